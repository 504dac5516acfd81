package dev.connpool;

import java.util.List;
import java.util.Locale;

/**
 * Picks the server for a {@link MultiPool#borrow()} among those that may be used now
 * ({@link ServerState#ACTIVE} and {@link ServerState#PROBING}).
 *
 * <p>Called on every borrow, from many threads at once: an implementation must be thread-safe, must not
 * block, and should cost O(1) whatever the number of servers. The four built-in ones do. A server in its slow
 * start ({@code slow-start.window}) may be passed over after the pick; the balancer needs to know nothing of it.
 */
public interface Balancer {

    /**
     * Picks one of {@code candidates}.
     *
     * @param candidates the usable servers, never empty; an immutable list with O(1) {@code get}
     * @param <S>        the candidate type
     * @return one element of {@code candidates}
     */
    <S extends Candidate> S pick(List<S> candidates);

    /** The names {@link #named(String)} accepts, one per built-in balancer, the default first. */
    List<String> NAMES = List.of("least-latency", "least-active", "round-robin", "random");

    /**
     * Returns this balancer's name: for a built-in one, the name {@link #named(String)} accepts (as YAML's
     * {@code balancer} key takes it); for another, its class name unless it says otherwise.
     *
     * @return the name
     */
    default String name() {
        return getClass().getName();
    }

    /**
     * Returns the built-in balancer of that name: {@code least-active}, {@code round-robin},
     * {@code random} or {@code least-latency} (case, surrounding blanks, {@code _} for {@code -} and a missing {@code -} ignored,
     * so {@code LEAST_ACTIVE} and {@code roundrobin} do too).
     *
     * @param name the name
     * @return a new balancer (round-robin's counter is per balancer), or the shared stateless one
     * @throws IllegalArgumentException when {@code name} is none of {@link #NAMES}; the message quotes it
     *                                  and lists them
     */
    static Balancer named(String name) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        switch (key) {
            case "least-active", "leastactive":
                return leastActive();
            case "round-robin", "roundrobin":
                return roundRobin();
            case "random":
                return random();
            case "least-latency", "leastlatency":
                return leastLatency();
            default:
                throw new IllegalArgumentException("unknown balancer '" + name + "'; the balancers are " + NAMES);
        }
    }

    /** What a balancer may know of a server. */
    interface Candidate {

        /**
         * Returns the server.
         *
         * @return its address
         */
        ServerAddress server();

        /**
         * Returns how many of its connections are lent out now (a plain volatile read).
         *
         * @return its leased connections
         */
        int activeConnections();
    }

    /**
     * Each server in turn. Spreads load evenly when servers are alike; ignores how busy each one is.
     *
     * @return a new round-robin balancer
     */
    static Balancer roundRobin() {
        return new RoundRobinBalancer();
    }

    /**
     * A uniformly random server. No shared state between threads; ignores load, and evens out only on
     * average.
     *
     * @return the random balancer
     */
    static Balancer random() {
        return RandomBalancer.INSTANCE;
    }

    /**
     * Power of two choices: two random servers, the one with fewer leased connections wins. Steers away
     * from slow or saturated servers at O(1) cost; the default.
     *
     * @return the least-active balancer
     */
    static Balancer leastActive() {
        return LeastActiveBalancer.INSTANCE;
    }

    /**
     * Power of two choices over latency and load: two random servers, the one with the lower cost wins, the
     * cost being the server's peak-EWMA latency times (its leased connections + 1), as Finagle's and Linkerd's
     * balancers weigh them, damped so that noise moves no traffic: latencies within 2x (or 50 us) of each other
     * count as equal and then fewer leases win, as with {@link #leastActive()}; outside that band the faster
     * server wins unless its cost is more than twice the other's. The latency is the time from borrow to close
     * of its leases (for {@code execute}, the work), one lease in 64 per connection timed, after a median-of-three
     * filter; it decays over {@code least-latency.decay} (see {@link MultiPool.Builder#leastLatencyDecay}). A
     * charged failure (a failed connect, an invalidated lease, a {@link FailureKind#SERVER} failure) counts as a
     * latency of at least twice the server's estimate, so quick error replies do not draw traffic.
     *
     * <p>The default. Trade-off: sends almost nothing to a server 10x slower than the others (least-active
     * sends it ~7%, which puts the pool's p99 at that server's latency), and equal servers keep equal shares;
     * the price is two clock reads per timed lease and a comparison of two estimates per pick, about 3.5 ns per
     * borrow + return on a 2-core VM (see {@code docs/benchmarks.md}), where {@link #leastActive()} reads no clock.
     *
     * @return the least-latency balancer
     */
    static Balancer leastLatency() {
        return LeastLatencyBalancer.INSTANCE;
    }
}
