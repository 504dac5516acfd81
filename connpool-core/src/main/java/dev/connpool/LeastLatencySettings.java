package dev.connpool;

import java.time.Duration;
import java.util.Objects;

/**
 * The least-latency balancer's settings: {@code least-latency.decay}. Part of {@link PoolSettings};
 * immutable. Read only when the pool's balancer is {@link Balancer#leastLatency()}.
 */
public final class LeastLatencySettings {

    private final Duration decay;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    LeastLatencySettings(Duration decay) {
        this.decay = decay;
    }

    /**
     * Returns {@code least-latency.decay}: the time constant over which a server's latency estimate forgets
     * its past (a sample's weight falls to 1/e after it).
     *
     * @return the value, positive
     */
    public Duration decay() {
        return decay;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LeastLatencySettings that && decay.equals(that.decay);
    }

    @Override
    public int hashCode() {
        return Objects.hash(decay);
    }

    @Override
    public String toString() {
        return "LeastLatencySettings[decay=" + decay + "]";
    }
}
