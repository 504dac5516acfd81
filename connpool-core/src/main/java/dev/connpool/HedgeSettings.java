package dev.connpool;

import java.util.Objects;

/**
 * Hedged execute: {@code hedge.delay} (see {@link MultiPool.Builder#hedgeDelay(HedgeDelay)}). Part of
 * {@link PoolSettings}; immutable.
 */
public final class HedgeSettings {

    private final HedgeDelay delay;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    HedgeSettings(HedgeDelay delay) {
        this.delay = delay;
    }

    /**
     * Returns {@code hedge.delay}: when a second attempt of a hedged execute starts on another server.
     *
     * @return the delay; {@link HedgeDelay#off()} when the pool does not hedge
     */
    public HedgeDelay delay() {
        return delay;
    }

    /**
     * Tells whether the pool hedges its executes.
     *
     * @return whether {@link #delay()} is not {@code off}
     */
    public boolean enabled() {
        return !delay.isOff();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HedgeSettings that && delay.equals(that.delay);
    }

    @Override
    public int hashCode() {
        return Objects.hash(delay);
    }

    @Override
    public String toString() {
        return "HedgeSettings[delay=" + delay + "]";
    }
}
