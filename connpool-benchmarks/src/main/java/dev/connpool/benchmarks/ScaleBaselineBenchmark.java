package dev.connpool.benchmarks;

import dev.connpool.Balancer;
import dev.connpool.MultiPool;
import dev.connpool.PoolSettings;
import dev.connpool.ServerAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
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
 * The baselines of {@link ScaleBenchmark}: what 3, 100 and 1000 keys cost without MultiPool, keys in turn on
 * one thread. {@code commonsPool2}: the bare GenericKeyedObjectPool on connpool's settings (the part of a
 * MultiPool borrow that commons-pool2 owns); {@code floorQueue}: a ConcurrentLinkedQueue per key, so only the
 * memory a borrow touches grows with the keys. Tells how much of MultiPool's growth is its own.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class ScaleBaselineBenchmark {

    @Param({"3", "100", "1000"})
    public int servers;

    private ServerAddress[] keys;
    private GenericKeyedObjectPool<ServerAddress, Object> pool;
    private ConcurrentLinkedQueue<Object>[] queues;
    private int turn;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() throws Exception {
        keys = Fixtures.servers(servers);
        MultiPool<Object> settingsOnly = Fixtures.multiPool(new Fixtures.ObjectFactory(), keys, Balancer.roundRobin());
        PoolSettings settings = settingsOnly.settings();
        settingsOnly.close();
        pool = Fixtures.rawAdapterSettings(settings);
        Fixtures.warm(pool, keys);
        queues = (ConcurrentLinkedQueue<Object>[]) new ConcurrentLinkedQueue<?>[servers];
        for (int k = 0; k < servers; k++) {
            queues[k] = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < Fixtures.PER_SERVER; i++) {
                queues[k].offer(new Object());
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            Fixtures.checkIdlePathOnly(pool, servers * Fixtures.PER_SERVER);
        } finally {
            pool.close();
        }
    }

    private int nextKey() {
        int i = turn;
        turn = i + 1 == servers ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public Object commonsPool2() throws Exception {
        ServerAddress key = keys[nextKey()];
        Object connection = pool.borrowObject(key, Fixtures.MAX_WAIT); // as KeyedPoolAdapter calls it
        pool.returnObject(key, connection);
        return connection;
    }

    @Benchmark
    public Object floorQueue() {
        ConcurrentLinkedQueue<Object> queue = queues[nextKey()];
        Object connection = queue.poll();
        queue.offer(connection);
        return connection;
    }
}
