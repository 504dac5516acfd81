package dev.connpool;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code retry.budget.*}: how many retries and failovers the whole pool may make, over a sliding window, on top
 * of the first attempts of its calls (see {@link MultiPool.Builder#retryBudgetRatio(double)}). Part of
 * {@link RetrySettings}; immutable.
 */
public final class RetryBudgetSettings {

    private final double ratio;
    private final int minPerSecond;
    private final Duration window;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    RetryBudgetSettings(double ratio, int minPerSecond, Duration window) {
        this.ratio = ratio;
        this.minPerSecond = minPerSecond;
        this.window = window;
    }

    /**
     * Returns {@code retry.budget.ratio}: the retries (and hedges) allowed per call that may retry, over the window.
     *
     * @return the ratio, 0 or more
     */
    public double ratio() {
        return ratio;
    }

    /**
     * Returns {@code retry.budget.min-per-second}: retries allowed per second of the window whatever the calls,
     * so that a pool with little traffic may still retry.
     *
     * @return the reserve per second, 0 or more
     */
    public int minPerSecond() {
        return minPerSecond;
    }

    /**
     * Returns {@code retry.budget.window}: how long a call's deposit and a retry's withdrawal count.
     *
     * @return the window, 1 s to 60 s
     */
    public Duration window() {
        return window;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RetryBudgetSettings that && Double.compare(ratio, that.ratio) == 0
                && minPerSecond == that.minPerSecond && window.equals(that.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ratio, minPerSecond, window);
    }

    @Override
    public String toString() {
        return "RetryBudgetSettings[ratio=" + ratio + ", minPerSecond=" + minPerSecond + ", window=" + window + "]";
    }
}
