package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code ejection.*} under a pool or {@code connpool.defaults}: after how many failures in a row, and for how
 * long, a server gets no traffic. A file of its own, nested into {@link PoolDefaultsProperties}; nullable,
 * {@code null} meaning "not set here".
 */
public class EjectionProperties {

    /** Failures in a row that eject a server. Default 3. */
    private Integer consecutiveFailures;

    /** The first ejection's length; it doubles with each ejection in a row. Default 1s. */
    private Duration baseTime;

    /** The longest ejection. Default 30s. */
    private Duration maxTime;

    /** The most servers ejected at once, in percent (never all). Default 50. */
    private Integer maxPercent;

    public Integer getConsecutiveFailures() {
        return consecutiveFailures;
    }

    public void setConsecutiveFailures(Integer consecutiveFailures) {
        this.consecutiveFailures = consecutiveFailures;
    }

    public Duration getBaseTime() {
        return baseTime;
    }

    public void setBaseTime(Duration baseTime) {
        this.baseTime = baseTime;
    }

    public Duration getMaxTime() {
        return maxTime;
    }

    public void setMaxTime(Duration maxTime) {
        this.maxTime = maxTime;
    }

    public Integer getMaxPercent() {
        return maxPercent;
    }

    public void setMaxPercent(Integer maxPercent) {
        this.maxPercent = maxPercent;
    }
}
