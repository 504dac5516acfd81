package dev.connpool;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health checking: {@code health-check.interval}. Part of {@link PoolSettings}; immutable.
 */
public final class HealthCheckSettings {

    private final Duration interval;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    HealthCheckSettings(Duration interval) {
        this.interval = interval;
    }

    /**
     * Returns {@code health-check.interval}: how often each active or probing server is probed with a new
     * connection (0: never; passive health only).
     *
     * @return the value
     */
    public Duration interval() {
        return interval;
    }

    /**
     * Tells whether servers are probed.
     *
     * @return whether the interval is above zero
     */
    public boolean enabled() {
        return !interval.isZero();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HealthCheckSettings that && interval.equals(that.interval);
    }

    @Override
    public int hashCode() {
        return Objects.hash(interval);
    }

    @Override
    public String toString() {
        return "HealthCheckSettings[interval=" + interval + "]";
    }
}
