package dev.connpool.spring;

import dev.connpool.Balancer;
import java.util.Locale;

/**
 * The built-in balancers, as the {@code balancer} key takes them: an enum, so that an IDE completes the
 * values under {@code connpool.pools.<name>} as under {@code connpool.defaults}. Core's
 * {@link Balancer#named(String)} is the one definition of the names: a constant's {@link #key()} is its name
 * in lower case with {@code -} for {@code _}, and {@link #create()} asks core for that balancer (a test
 * checks that the keys are exactly {@link Balancer#NAMES}). Spring Boot binds {@code least-active},
 * {@code LEAST_ACTIVE} and {@code leastactive} alike.
 */
public enum BalancerType {

    /**
     * least-latency: power of two choices over peak-EWMA latency x (leased connections + 1), decaying over
     * least-latency.decay, damped (latencies within 2x are equal, fewer leases then win). Sends almost nothing
     * to a server much slower than the others, not only less to a busier one; times one lease in 64. The
     * default.
     */
    LEAST_LATENCY,

    /**
     * least-active: power of two choices, of two random servers the one with fewer leased connections.
     * Steers away from saturated servers (a slow one keeps a share in proportion to its speed); reads no clock.
     */
    LEAST_ACTIVE,

    /** round-robin: each server in turn. Even load when servers are alike; ignores how busy each one is. */
    ROUND_ROBIN,

    /** random: a uniformly random server. No shared state; evens out only on average. */
    RANDOM;

    /**
     * Returns the name core knows this balancer by.
     *
     * @return {@code least-latency}, {@code least-active}, {@code round-robin} or {@code random}
     */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A new balancer of this kind (round-robin's counter is per balancer), from core. */
    Balancer create() {
        return Balancer.named(key());
    }
}
