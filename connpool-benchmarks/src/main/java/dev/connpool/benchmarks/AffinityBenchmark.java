package dev.connpool.benchmarks;

import dev.connpool.AffinityAlgorithm;
import dev.connpool.Balancer;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a key's pick ({@link MultiPool#serverFor(String)}) with 3, 10, 100 and 1000 servers, for each
 * {@code affinity.algorithm}, next to {@link MultiPool#borrowFor(String)} + {@code close()} and
 * {@link MultiPool#borrow()} + {@code close()} of the same warm pool (8 idle connections per server), on one
 * thread. Keys are 4,096 texts like {@code user:123456}, taken in turn. Run with {@code -prof gc} for the bytes
 * a pick allocates.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class AffinityBenchmark {

    private static final int KEYS = 4096;

    @Param({"3", "10", "100", "1000"})
    public int servers;

    @Param({"rendezvous", "ketama"})
    public String algorithm;

    private Fixtures.ObjectFactory factory;
    private MultiPool<Object> pool;
    private final String[] keys = new String[KEYS];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        ServerAddress[] addresses = Fixtures.servers(servers);
        factory = new Fixtures.ObjectFactory();
        pool = MultiPool.builder(factory).name("bench").servers(List.of(addresses)).maxActive(Fixtures.PER_SERVER)
                .maxWait(Fixtures.MAX_WAIT).balancer(Balancer.leastActive())
                .affinityAlgorithm(AffinityAlgorithm.named(algorithm)).build();
        Fixtures.warm(pool, factory, addresses);
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "user:" + (100_000 + i * 7919);
        }
        pool.serverFor(keys[0]); // the ring is made on the first pick: not measured
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            Fixtures.checkIdlePathOnly(factory, servers * Fixtures.PER_SERVER);
        } finally {
            pool.close();
        }
    }

    private String nextKey() {
        String key = keys[next];
        next = (next + 1) & (KEYS - 1);
        return key;
    }

    @Benchmark
    public ServerAddress serverFor() {
        return pool.serverFor(nextKey());
    }

    @Benchmark
    public Object borrowForClose() {
        Lease<Object> lease = pool.borrowFor(nextKey());
        Object connection = lease.connection();
        lease.close();
        return connection;
    }

    @Benchmark
    public Object borrowClose() {
        Lease<Object> lease = pool.borrow();
        Object connection = lease.connection();
        lease.close();
        return connection;
    }
}
