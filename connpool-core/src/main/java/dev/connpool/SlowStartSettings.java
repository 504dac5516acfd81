package dev.connpool;

import java.time.Duration;
import java.util.Objects;

/**
 * Slow start: {@code slow-start.window}. Part of {@link PoolSettings}; immutable.
 */
public final class SlowStartSettings {

    private final Duration window;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    SlowStartSettings(Duration window) {
        this.window = window;
    }

    /**
     * Returns {@code slow-start.window}: how long a server that joined or was re-admitted takes to get its full
     * share, its new connections opened at most max-active a second meanwhile (0: at once, no limit).
     *
     * @return the value
     */
    public Duration window() {
        return window;
    }

    /**
     * Tells whether servers start slowly.
     *
     * @return whether the window is above zero
     */
    public boolean enabled() {
        return !window.isZero();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SlowStartSettings that && window.equals(that.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(window);
    }

    @Override
    public String toString() {
        return "SlowStartSettings[window=" + window + "]";
    }
}
