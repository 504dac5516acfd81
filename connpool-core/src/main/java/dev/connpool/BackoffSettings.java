package dev.connpool;

import java.time.Duration;

/**
 * {@code retry.backoff.*}: the pause before retry n is {@code min x factor^(n-1)}, capped at
 * {@code max}, spread by {@code +-jitter}. Part of {@link RetrySettings}; immutable.
 */
public final class BackoffSettings {

    private final Duration min;
    private final Duration max;
    private final double factor;
    private final double jitter;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    BackoffSettings(Duration min, Duration max, double factor, double jitter) {
        this.min = min;
        this.max = max;
        this.factor = factor;
        this.jitter = jitter;
    }

    /**
     * Returns {@code retry.backoff.min}: the first retry pause.
     *
     * @return the value
     */
    public Duration min() {
        return min;
    }

    /**
     * Returns {@code retry.backoff.max}: the longest retry pause.
     *
     * @return the value
     */
    public Duration max() {
        return max;
    }

    /**
     * Returns {@code retry.backoff.factor}: the growth of the pause per retry.
     *
     * @return the value
     */
    public double factor() {
        return factor;
    }

    /**
     * Returns {@code retry.backoff.jitter}: the random spread of a pause, as a fraction.
     *
     * @return the value
     */
    public double jitter() {
        return jitter;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackoffSettings that && min.equals(that.min)
                && max.equals(that.max)
                && Double.compare(factor, that.factor) == 0
                && Double.compare(jitter, that.jitter) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(min, max, factor, jitter);
    }

    @Override
    public String toString() {
        return "BackoffSettings[min=" + min + ", max=" + max + ", factor=" + factor + ", jitter=" + jitter + "]";
    }
}
