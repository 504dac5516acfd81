package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Zipf-distributed keys (s = 1.1 over 10,000 keys) on 10 servers with 200 leases in flight: with
 * {@code affinity.load-bound: 1.25} the busiest server never holds more than 1.25 x the mean (25 leases), at any
 * of 20,000 steps; without it, the hottest key's server holds well over that (the skew the bound is for).
 */
class AffinityLoadBoundTest {

    private static final int SERVERS = 10;
    private static final int IN_FLIGHT = 200;
    private static final int STEPS = 20_000;
    private final FakeClock clock = new FakeClock();
    private MultiPool<MemoryFactory.Connection> pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void withLoadBound125TheBusiestServerHoldsAtMost125TimesTheMean(AffinityAlgorithm algorithm) {
        double busiest = run(algorithm, 1.25);
        assertThat(busiest).isLessThanOrEqualTo(1.25);
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void withoutItTheHottestKeysServerIsFarBusier(AffinityAlgorithm algorithm) {
        double busiest = run(algorithm, 0);
        assertThat(busiest).isGreaterThan(1.5);
    }

    /** Runs the load; returns the busiest server's most leases at any step, over the mean. */
    private double run(AffinityAlgorithm algorithm, double loadBound) {
        List<ServerAddress> servers = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            servers.add(ServerAddress.of("cache-" + i, 11211));
        }
        pool = MultiPool.builder(new MemoryFactory(clock)).name("zipf").servers(servers).maxActive(IN_FLIGHT)
                .affinityAlgorithm(algorithm).affinityLoadBound(loadBound).healthCheckInterval(Duration.ZERO)
                .shutdownTimeout(Duration.ZERO).clock(clock).scheduler(new ManualScheduler(clock)).build();
        Zipf keys = new Zipf(10_000, 1.1, new Random(16));
        Random random = new Random(61);
        List<Lease<MemoryFactory.Connection>> leases = new ArrayList<>();
        int most = 0;
        int overflowed = 0;
        for (int step = 0; step < STEPS; step++) {
            if (leases.size() == IN_FLIGHT) {
                leases.remove(random.nextInt(IN_FLIGHT)).close();
            }
            String key = "key-" + keys.next();
            ServerAddress owner = pool.serverFor(key);
            Lease<MemoryFactory.Connection> lease = pool.borrowFor(key);
            assertThat(lease.server()).as("borrowFor goes where serverFor said").isEqualTo(owner);
            leases.add(lease);
            if (leases.size() == IN_FLIGHT) {
                int busiest = 0;
                for (ServerAddress server : servers) {
                    busiest = Math.max(busiest, pool.stats(server).active());
                }
                most = Math.max(most, busiest);
            }
        }
        for (Lease<MemoryFactory.Connection> lease : leases) {
            lease.close();
        }
        double mean = (double) IN_FLIGHT / SERVERS;
        System.out.printf(Locale.ROOT, "%-10s load-bound %.2f: busiest server at most %d leases of %d in flight"
                + " (%.2f x the mean)%n", algorithm.key(), loadBound, most, IN_FLIGHT, most / mean);
        return most / mean;
    }

    /** Ranks 0..n-1 with P(k) proportional to 1 / (k + 1)^s, drawn by inverting the cumulative weights. */
    static final class Zipf {
        private final double[] cumulative;
        private final Random random;

        Zipf(int n, double s, Random random) {
            this.random = random;
            this.cumulative = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1 / Math.pow(k + 1, s);
                cumulative[k] = sum;
            }
        }

        int next() {
            double u = random.nextDouble() * cumulative[cumulative.length - 1];
            int at = java.util.Arrays.binarySearch(cumulative, u);
            return at >= 0 ? at : -at - 1;
        }
    }
}
