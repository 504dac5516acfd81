package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code retry.budget.*} under a pool or {@code connpool.defaults}: over any window, retries, failovers and
 * hedges stay within ratio x calls + min-per-second x window; a call refused a retry fails at once. A file of
 * its own, nested into {@link RetryProperties}; nullable, {@code null} meaning "not set here".
 */
public class RetryBudgetProperties {

    /** The retries (and hedges) allowed per call, over the window, such as 0.2 for 20%. Default 0.2. */
    private Double ratio;

    /** Retries allowed per second whatever the traffic (a reserve of this times the window). Default 10. */
    private Integer minPerSecond;

    /** How long a call's deposit and a retry's withdrawal count, 1s to 60s. Default 10s. */
    private Duration window;

    public Double getRatio() {
        return ratio;
    }

    public void setRatio(Double ratio) {
        this.ratio = ratio;
    }

    public Integer getMinPerSecond() {
        return minPerSecond;
    }

    public void setMinPerSecond(Integer minPerSecond) {
        this.minPerSecond = minPerSecond;
    }

    public Duration getWindow() {
        return window;
    }

    public void setWindow(Duration window) {
        this.window = window;
    }
}
