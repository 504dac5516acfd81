package dev.connpool;

import java.time.Duration;

/**
 * Leak detection: {@code leak-detection-threshold}. Part of {@link PoolSettings}; immutable.
 */
public final class LeakDetectionSettings {

    private final Duration threshold;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    LeakDetectionSettings(Duration threshold) {
        this.threshold = threshold;
    }

    /**
     * Returns {@code leak-detection-threshold}: a lease held longer than this is logged as a possible leak (0: off).
     *
     * @return the value
     */
    public Duration threshold() {
        return threshold;
    }

    /**
     * Tells whether leak detection is on.
     *
     * @return whether the threshold is above zero
     */
    public boolean enabled() {
        return !threshold.isZero();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LeakDetectionSettings that && threshold.equals(that.threshold);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(threshold);
    }

    @Override
    public String toString() {
        return "LeakDetectionSettings[threshold=" + threshold + "]";
    }
}
