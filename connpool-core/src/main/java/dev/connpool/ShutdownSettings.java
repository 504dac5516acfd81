package dev.connpool;

import java.time.Duration;

/**
 * How {@link MultiPool#close()} ends: {@code shutdown-timeout}. Part of {@link PoolSettings};
 * immutable.
 */
public final class ShutdownSettings {

    private final Duration timeout;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    ShutdownSettings(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Returns {@code shutdown-timeout}: how long close() waits for leased connections.
     *
     * @return the value
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ShutdownSettings that && timeout.equals(that.timeout);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(timeout);
    }

    @Override
    public String toString() {
        return "ShutdownSettings[timeout=" + timeout + "]";
    }
}
