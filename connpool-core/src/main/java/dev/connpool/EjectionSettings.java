package dev.connpool;

import java.time.Duration;

/**
 * {@code ejection.*}: a server with {@code consecutive-failures} failures in a row is ejected for
 * {@code base-time x 2^(n-1)} (n: its ejection level), capped at {@code max-time}; never more than
 * {@code max-percent} of the servers at once. Part of {@link PoolSettings}; immutable.
 */
public final class EjectionSettings {

    private final int consecutiveFailures;
    private final Duration baseTime;
    private final Duration maxTime;
    private final int maxPercent;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    EjectionSettings(int consecutiveFailures, Duration baseTime, Duration maxTime, int maxPercent) {
        this.consecutiveFailures = consecutiveFailures;
        this.baseTime = baseTime;
        this.maxTime = maxTime;
        this.maxPercent = maxPercent;
    }

    /**
     * Returns {@code ejection.consecutive-failures}: failures in a row that eject a server.
     *
     * @return the value
     */
    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /**
     * Returns {@code ejection.base-time}: the first ejection's length.
     *
     * @return the value
     */
    public Duration baseTime() {
        return baseTime;
    }

    /**
     * Returns {@code ejection.max-time}: the longest ejection.
     *
     * @return the value
     */
    public Duration maxTime() {
        return maxTime;
    }

    /**
     * Returns {@code ejection.max-percent}: the most servers ejected at once, in percent.
     *
     * @return the value
     */
    public int maxPercent() {
        return maxPercent;
    }

    /**
     * How many servers may be ejected at once out of {@code servers} (draining ones not counted):
     * {@code max-percent} of them, at least one when the percentage is not 0, and never all of them.
     */
    int maxEjected(int servers) {
        if (maxPercent == 0 || servers < 2) {
            return 0;
        }
        int allowed = Math.max(1, servers * maxPercent / 100);
        return Math.min(allowed, servers - 1);
    }

    /**
     * How long a server is ejected the {@code level}-th time in a row: base-time x 2^(level-1), capped
     * at max-time.
     */
    long nanos(int level) {
        long base = baseTime.toNanos();
        long max = maxTime.toNanos();
        int shift = Math.max(0, level - 1);
        if (shift >= 62 || base > (max >> shift)) {
            return max;
        }
        return Math.min(max, base << shift);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EjectionSettings that && consecutiveFailures == that.consecutiveFailures
                && baseTime.equals(that.baseTime)
                && maxTime.equals(that.maxTime)
                && maxPercent == that.maxPercent;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(consecutiveFailures, baseTime, maxTime, maxPercent);
    }

    @Override
    public String toString() {
        return "EjectionSettings[consecutiveFailures=" + consecutiveFailures + ", baseTime=" + baseTime + ", maxTime=" + maxTime + ", maxPercent=" + maxPercent + "]";
    }
}
