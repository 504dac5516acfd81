package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code least-latency.*} under a pool or {@code connpool.defaults}: the least-latency balancer's settings
 * (core's {@code MultiPool.Builder.leastLatencyDecay}). A file of its own, nested into
 * {@link PoolDefaultsProperties}; nullable, {@code null} meaning "not set here".
 */
public class LeastLatencyProperties {

    /**
     * The time constant over which a server's latency estimate forgets (a sample's weight falls to 1/e after
     * it); read only with balancer least-latency. Default 2s.
     */
    private Duration decay;

    public Duration getDecay() {
        return decay;
    }

    public void setDecay(Duration decay) {
        this.decay = decay;
    }
}
