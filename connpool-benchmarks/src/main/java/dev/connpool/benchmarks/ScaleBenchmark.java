package dev.connpool.benchmarks;

import dev.connpool.Balancer;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
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
 * {@link MultiPool#borrow()} + {@code close()} of an idle connection with 3, 100 and 1000 servers of 8
 * warm connections each, for every built-in balancer, on one thread: does the cost of a borrow depend on the
 * number of servers? (The target: at 1000 servers at most 1.2x the cost at 3.)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class ScaleBenchmark {

    @Param({"3", "100", "1000"})
    public int servers;

    @Param({"least-active", "round-robin", "random", "least-latency"})
    public String balancer;

    private Fixtures.ObjectFactory factory;
    private MultiPool<Object> pool;

    static Balancer balancer(String name) {
        return Balancer.named(name);
    }

    @Setup(Level.Trial)
    public void setUp() {
        ServerAddress[] addresses = Fixtures.servers(servers);
        factory = new Fixtures.ObjectFactory();
        pool = Fixtures.multiPool(factory, addresses, balancer(balancer));
        Fixtures.warm(pool, factory, addresses);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            Fixtures.checkIdlePathOnly(factory, servers * Fixtures.PER_SERVER);
        } finally {
            pool.close();
        }
    }

    @Benchmark
    public Object borrowClose() {
        Lease<Object> lease = pool.borrow();
        Object connection = lease.connection();
        lease.close();
        return connection;
    }
}
