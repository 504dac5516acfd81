package dev.connpool;

import java.time.Duration;

/**
 * How many connections a pool keeps and how long a borrow waits for one: {@code max-active},
 * {@code max-idle}, {@code min-idle} (per server), {@code max-total} (over all servers) and {@code max-wait}.
 * Part of {@link PoolSettings}; immutable.
 */
public final class LimitSettings {

    private final int maxActive;
    private final int maxIdle;
    private final int minIdle;
    private final int maxTotal;
    private final Duration maxWait;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    LimitSettings(int maxActive, int maxIdle, int minIdle, int maxTotal, Duration maxWait) {
        this.maxActive = maxActive;
        this.maxIdle = maxIdle;
        this.minIdle = minIdle;
        this.maxTotal = maxTotal;
        this.maxWait = maxWait;
    }

    /**
     * Returns {@code max-active}: connections per server, leased and idle together.
     *
     * @return the value
     */
    public int maxActive() {
        return maxActive;
    }

    /**
     * Returns {@code max-idle}: idle connections kept per server.
     *
     * @return the value
     */
    public int maxIdle() {
        return maxIdle;
    }

    /**
     * Returns {@code min-idle}: idle connections kept open per usable server.
     *
     * @return the value
     */
    public int minIdle() {
        return minIdle;
    }

    /**
     * Returns {@code max-total}: connections over all servers, -1 for no limit.
     *
     * @return the value
     */
    public int maxTotal() {
        return maxTotal;
    }

    /**
     * Returns {@code max-wait}: how long a borrow waits for a connection of a full server.
     *
     * @return the value
     */
    public Duration maxWait() {
        return maxWait;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LimitSettings that && maxActive == that.maxActive
                && maxIdle == that.maxIdle
                && minIdle == that.minIdle
                && maxTotal == that.maxTotal
                && maxWait.equals(that.maxWait);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(maxActive, maxIdle, minIdle, maxTotal, maxWait);
    }

    @Override
    public String toString() {
        return "LimitSettings[maxActive=" + maxActive + ", maxIdle=" + maxIdle + ", minIdle=" + minIdle + ", maxTotal=" + maxTotal + ", maxWait=" + maxWait + "]";
    }
}
