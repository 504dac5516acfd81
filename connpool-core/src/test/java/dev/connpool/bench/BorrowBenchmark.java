package dev.connpool.bench;

import dev.connpool.ConnectionFactory;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.PoolStats;
import dev.connpool.ServerAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.EvictionConfig;
import org.apache.commons.pool2.impl.EvictionPolicy;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Borrow and return of an idle connection, no I/O: what {@link MultiPool} adds on top of the commons-pool2
 * {@link GenericKeyedObjectPool} it wraps. Three servers with eight warm connections each; the connections
 * are plain objects and validation always passes.
 *
 * <ul>
 *   <li>{@code multiPoolBorrow}: {@code borrow()} (least-active balancer, the default) and {@code close()};
 *   <li>{@code multiPoolBorrowPinned}: {@code borrow(server)}, servers in turn, and {@code close()};
 *   <li>{@code rawKeyedPool}: {@code borrowObject}/{@code returnObject} on a bare GenericKeyedObjectPool
 *       configured as KeyedPoolAdapter configures its own for these settings, keys in turn.
 * </ul>
 *
 * <p>Throughput is in ops/us, average time in us/op (one time unit per run). For ns/op run
 * {@code -bm avgt -tu ns}; for 8 threads {@code -t 8}; allocation per op with {@code -prof gc}. Teardown
 * checks that no connection was created or destroyed while measuring (a borrow never waited or created).
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class BorrowBenchmark {

    static final int CONNECTIONS_PER_SERVER = 8;
    static final Duration MAX_WAIT = Duration.ofSeconds(1);             // MultiPool's default max-wait
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);
    /** What PoolSettings derives from idle-timeout 10 min and no max-lifetime: a quarter of 2 min, capped at 30 s. */
    static final Duration HOUSEKEEPING_INTERVAL = Duration.ofSeconds(30);

    static final ServerAddress[] SERVERS = {
            ServerAddress.of("127.0.0.1", 9001), ServerAddress.of("127.0.0.1", 9002), ServerAddress.of("127.0.0.1", 9003)};

    /** Connections that are plain objects: nothing to open, always valid. */
    static final class ObjectFactory implements ConnectionFactory<Object> {
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger destroyed = new AtomicInteger();

        @Override
        public Object create(ServerAddress server) {
            created.incrementAndGet();
            return new Object();
        }

        @Override
        public boolean validate(ServerAddress server, Object connection) {
            return true;
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
            destroyed.incrementAndGet();
        }
    }

    @State(Scope.Benchmark)
    public static class MultiPoolState {
        ObjectFactory factory;
        MultiPool<Object> pool;

        @Setup(Level.Trial)
        public void setUp() {
            factory = new ObjectFactory();
            pool = MultiPool.builder((ConnectionFactory<Object>) factory)
                    .name("bench")
                    .servers(List.of(SERVERS))
                    .maxActive(CONNECTIONS_PER_SERVER)
                    .maxIdle(CONNECTIONS_PER_SERVER)
                    .validateOnBorrow(true)
                    .validateWhileIdle(false)
                    .idleTimeout(IDLE_TIMEOUT)
                    .build();
            List<Lease<Object>> leases = new ArrayList<>();
            for (ServerAddress server : SERVERS) {
                for (int i = 0; i < CONNECTIONS_PER_SERVER; i++) {
                    leases.add(pool.borrow(server));
                }
            }
            leases.forEach(Lease::close);
            PoolStats stats = pool.stats();
            int expected = SERVERS.length * CONNECTIONS_PER_SERVER;
            if (stats.idle() != expected || stats.active() != 0 || factory.created.get() != expected) {
                throw new IllegalStateException("prefill failed: " + stats + ", created " + factory.created);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            int expected = SERVERS.length * CONNECTIONS_PER_SERVER;
            int created = factory.created.get();
            int destroyed = factory.destroyed.get();
            pool.close();
            if (created != expected || destroyed != 0) {
                throw new IllegalStateException("connections were created (" + created + ", expected " + expected
                        + ") or destroyed (" + destroyed + ") while measuring: not the idle-borrow path");
            }
        }
    }

    @State(Scope.Benchmark)
    public static class RawPoolState {
        GenericKeyedObjectPool<ServerAddress, Object> pool;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            // The values KeyedPoolAdapter sets for maxActive 8, maxIdle 8, minIdle 0, maxTotal -1, maxWait 1 s,
            // validateOnBorrow true, validateWhileIdle false, idle-timeout 10 min, no max-lifetime.
            GenericKeyedObjectPoolConfig<Object> config = new GenericKeyedObjectPoolConfig<>();
            config.setMaxTotalPerKey(CONNECTIONS_PER_SERVER);
            config.setMaxIdlePerKey(CONNECTIONS_PER_SERVER);
            config.setMinIdlePerKey(0);
            config.setMaxTotal(-1);
            config.setMaxWait(MAX_WAIT);
            config.setBlockWhenExhausted(true);
            config.setLifo(true);
            config.setFairness(false);
            config.setTestOnCreate(false);
            config.setTestOnBorrow(true);
            config.setTestOnReturn(false);
            config.setTestWhileIdle(false);
            config.setTimeBetweenEvictionRuns(HOUSEKEEPING_INTERVAL);
            config.setNumTestsPerEvictionRun(-1);
            config.setEvictionPolicy(new IdleTimeoutPolicy(IDLE_TIMEOUT.toNanos()));
            config.setJmxEnabled(false);
            config.setCollectDetailedStatistics(false);
            config.setReuseCapacityOnReturn(false);
            config.setReuseCapacityOnMaintenance(false);
            pool = new GenericKeyedObjectPool<>(new RawFactory(), config);
            pool.setSwallowedExceptionListener(e -> { });

            List<Object> taken = new ArrayList<>();
            for (ServerAddress server : SERVERS) {
                for (int i = 0; i < CONNECTIONS_PER_SERVER; i++) {
                    taken.add(pool.borrowObject(server, MAX_WAIT));
                }
                for (Object o : taken) {
                    pool.returnObject(server, o);
                }
                taken.clear();
            }
            int expected = SERVERS.length * CONNECTIONS_PER_SERVER;
            if (pool.getNumIdle() != expected || pool.getNumActive() != 0 || pool.getCreatedCount() != expected) {
                throw new IllegalStateException("prefill failed: idle " + pool.getNumIdle() + ", active "
                        + pool.getNumActive() + ", created " + pool.getCreatedCount());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            int expected = SERVERS.length * CONNECTIONS_PER_SERVER;
            long created = pool.getCreatedCount();
            long destroyed = pool.getDestroyedCount();
            pool.close();
            if (created != expected || destroyed != 0) {
                throw new IllegalStateException("connections were created (" + created + ", expected " + expected
                        + ") or destroyed (" + destroyed + ") while measuring: not the idle-borrow path");
            }
        }
    }

    /** The raw pool's factory: plain objects, validation always passes, activate/passivate do nothing. */
    static final class RawFactory extends BaseKeyedPooledObjectFactory<ServerAddress, Object> {
        @Override
        public Object create(ServerAddress server) {
            return new Object();
        }

        @Override
        public PooledObject<Object> wrap(Object value) {
            return new DefaultPooledObject<>(value);
        }

        @Override
        public boolean validateObject(ServerAddress server, PooledObject<Object> p) {
            return true;
        }
    }

    /** KeyedPoolAdapter's policy without the parts that need a MultiPool: idle longer than idle-timeout, above min-idle 0. */
    static final class IdleTimeoutPolicy implements EvictionPolicy<Object> {
        private final long idleTimeoutNanos;

        IdleTimeoutPolicy(long idleTimeoutNanos) {
            this.idleTimeoutNanos = idleTimeoutNanos;
        }

        @Override
        public boolean evict(EvictionConfig config, PooledObject<Object> underTest, int idleCount) {
            return idleTimeoutNanos > 0 && idleCount > 0 && underTest.getIdleDuration().toNanos() > idleTimeoutNanos;
        }
    }

    /** Each thread's own turn over the servers, starting at its thread index so threads spread out. */
    @State(Scope.Thread)
    public static class Turn {
        int next;

        @Setup(Level.Trial)
        public void setUp(ThreadParams threads) {
            next = threads.getThreadIndex() % SERVERS.length;
        }

        ServerAddress server() {
            int i = next;
            next = i + 1 == SERVERS.length ? 0 : i + 1;
            return SERVERS[i];
        }
    }

    @Benchmark
    public Object multiPoolBorrow(MultiPoolState state) {
        Lease<Object> lease = state.pool.borrow();
        Object connection = lease.connection();
        lease.close();
        return connection;
    }

    @Benchmark
    public Object multiPoolBorrowPinned(MultiPoolState state, Turn turn) {
        Lease<Object> lease = state.pool.borrow(turn.server());
        Object connection = lease.connection();
        lease.close();
        return connection;
    }

    @Benchmark
    public Object rawKeyedPool(RawPoolState state, Turn turn) throws Exception {
        ServerAddress server = turn.server();
        Object connection = state.pool.borrowObject(server, MAX_WAIT);
        state.pool.returnObject(server, connection);
        return connection;
    }
}
