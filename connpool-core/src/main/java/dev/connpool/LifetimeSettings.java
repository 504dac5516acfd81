package dev.connpool;

import java.time.Duration;

/**
 * How long a connection may live: {@code idle-timeout} and {@code max-lifetime}. Part of
 * {@link PoolSettings}; immutable.
 */
public final class LifetimeSettings {

    private final Duration idleTimeout;
    private final Duration maxLifetime;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    LifetimeSettings(Duration idleTimeout, Duration maxLifetime) {
        this.idleTimeout = idleTimeout;
        this.maxLifetime = maxLifetime;
    }

    /**
     * Returns {@code idle-timeout}: idle time after which connections beyond min-idle close (0: never).
     *
     * @return the value
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * Returns {@code max-lifetime}: age after which connections close when idle or returned (0: never).
     *
     * @return the value
     */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LifetimeSettings that && idleTimeout.equals(that.idleTimeout)
                && maxLifetime.equals(that.maxLifetime);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(idleTimeout, maxLifetime);
    }

    @Override
    public String toString() {
        return "LifetimeSettings[idleTimeout=" + idleTimeout + ", maxLifetime=" + maxLifetime + "]";
    }
}
