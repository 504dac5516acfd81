package dev.connpool.benchmarks;

import dev.connpool.Balancer;
import dev.connpool.ConnectionFactory;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.PoolSettings;
import dev.connpool.PoolStats;
import dev.connpool.ServerAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.EvictionConfig;
import org.apache.commons.pool2.impl.EvictionPolicy;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;

/**
 * What every in-memory benchmark shares: the servers (addresses nothing listens on; no I/O happens), the
 * connections (plain objects, always valid), and the pools built the same way in each benchmark.
 */
final class Fixtures {

    /** Connections per server: max-active, max-idle and the number warmed up before measuring. */
    static final int PER_SERVER = 8;

    /**
     * How long a borrower may wait for a full server, in every pool that waits: long enough that no borrow
     * of a 32-thread run against 24 connections ever times out (a timeout fails the run).
     */
    static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private Fixtures() {
    }

    /** {@code count} distinct addresses on 127.0.0.1; nothing listens there and nothing connects. */
    static ServerAddress[] servers(int count) {
        ServerAddress[] servers = new ServerAddress[count];
        for (int i = 0; i < count; i++) {
            servers[i] = ServerAddress.of("127.0.0.1", 10_000 + i);
        }
        return servers;
    }

    /** A connection that is a plain object (16 bytes): nothing to open, always valid, nothing to close. */
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

    /**
     * The MultiPool of the benchmarks: connpool's defaults (validate-on-borrow and validate-while-idle on,
     * idle-timeout 5 min, 3 attempts, ejection after 3 failures, no metrics) but for max-active 8, a
     * generous max-wait, and the given balancer. Not warmed up.
     */
    static MultiPool<Object> multiPool(ConnectionFactory<Object> factory, ServerAddress[] servers, Balancer balancer) {
        return multiPool(factory, servers, balancer, -1);
    }

    /** As above, with a pool-wide max-total (-1: none); with one, connpool parks nothing (the commons-pool2 path). */
    static MultiPool<Object> multiPool(ConnectionFactory<Object> factory, ServerAddress[] servers, Balancer balancer,
                                       int maxTotal) {
        return MultiPool.builder(factory)
                .name("bench")
                .servers(List.of(servers))
                .maxActive(PER_SERVER)
                .maxTotal(maxTotal)
                .maxWait(MAX_WAIT)
                .balancer(balancer)
                .build();
    }

    /** Borrows {@link #PER_SERVER} connections of every server and gives them back; checks the counts. */
    static void warm(MultiPool<Object> pool, ObjectFactory factory, ServerAddress[] servers) {
        List<Lease<Object>> leases = new ArrayList<>(PER_SERVER);
        for (ServerAddress server : servers) {
            for (int i = 0; i < PER_SERVER; i++) {
                leases.add(pool.borrow(server));
            }
            leases.forEach(Lease::close);
            leases.clear();
        }
        PoolStats stats = pool.stats();
        int expected = servers.length * PER_SERVER;
        if (stats.idle() != expected || stats.active() != 0 || factory.created.get() != expected) {
            throw new IllegalStateException("warm-up failed: " + stats + ", created " + factory.created);
        }
    }

    /** Fails the trial when a connection was made or closed after the warm-up: then it was not the idle path. */
    static void checkIdlePathOnly(ObjectFactory factory, int expected) {
        int created = factory.created.get();
        int destroyed = factory.destroyed.get();
        if (created != expected || destroyed != 0) {
            throw new IllegalStateException("connections were created (" + created + ", expected " + expected
                    + ") or destroyed (" + destroyed + ") while measuring: not the idle-borrow path");
        }
    }

    // ---- raw commons-pool2 ---------------------------------------------------------------------------

    /**
     * A bare {@link GenericKeyedObjectPool} configured exactly as connpool's {@code KeyedPoolAdapter}
     * configures its own for {@code settings}, with one exception: {@code blockWhenExhausted} is true
     * (KeyedPoolAdapter sets false and waits in connpool's own {@code Capacity}). A bare pool has no other
     * way to wait, and a 32-thread run needs one; with an idle connection at hand commons-pool2 2.13.1 reads
     * the flag only after its {@code pollFirst()} found nothing, so the 1- and 8-thread runs (which never
     * find a server empty) take the same path as connpool's pool.
     */
    static GenericKeyedObjectPool<ServerAddress, Object> rawAdapterSettings(PoolSettings settings) {
        return rawAdapterSettings(settings, new RawFactory(Object::new));
    }

    static GenericKeyedObjectPool<ServerAddress, Object> rawAdapterSettings(PoolSettings settings, RawFactory factory) {
        GenericKeyedObjectPoolConfig<Object> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(settings.limits().maxActive());
        config.setMaxIdlePerKey(settings.limits().maxIdle());
        config.setMinIdlePerKey(0);
        config.setMaxTotal(settings.limits().maxTotal());
        config.setMaxWait(settings.limits().maxWait());
        config.setBlockWhenExhausted(true); // the one difference, see above
        config.setLifo(true);
        config.setFairness(false);
        config.setTestOnCreate(false);
        config.setTestOnBorrow(settings.validation().onBorrow());
        config.setTestOnReturn(false);
        config.setTestWhileIdle(settings.validation().whileIdle());
        config.setTimeBetweenEvictionRuns(settings.housekeepingInterval());
        config.setNumTestsPerEvictionRun(-1);
        config.setEvictionPolicy(new IdleTimeoutPolicy(settings.lifetime().idleTimeout().toNanos(), settings.limits().minIdle()));
        config.setJmxEnabled(false);
        config.setCollectDetailedStatistics(false);
        config.setReuseCapacityOnReturn(settings.limits().maxTotal() > 0);
        config.setReuseCapacityOnMaintenance(settings.limits().maxTotal() > 0);
        GenericKeyedObjectPool<ServerAddress, Object> pool = new GenericKeyedObjectPool<>(factory, config);
        pool.setSwallowedExceptionListener(e -> { });
        return pool;
    }

    /**
     * A bare pool on commons-pool2's defaults (JMX on, detailed statistics on, no validation, blocking
     * without a limit), with max-total-per-key 8 (the default too) and, when {@code detailedStatistics} is
     * false, that one setting changed.
     */
    static GenericKeyedObjectPool<ServerAddress, Object> rawDefaults(boolean detailedStatistics) {
        GenericKeyedObjectPoolConfig<Object> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(PER_SERVER);
        config.setCollectDetailedStatistics(detailedStatistics);
        return new GenericKeyedObjectPool<>(new RawFactory(Object::new), config);
    }

    /** Borrows {@link #PER_SERVER} objects of every key and returns them; checks the counts. */
    static void warm(GenericKeyedObjectPool<ServerAddress, Object> pool, ServerAddress[] servers) throws Exception {
        List<Object> taken = new ArrayList<>(PER_SERVER);
        for (ServerAddress server : servers) {
            for (int i = 0; i < PER_SERVER; i++) {
                taken.add(pool.borrowObject(server));
            }
            for (Object o : taken) {
                pool.returnObject(server, o);
            }
            taken.clear();
        }
        int expected = servers.length * PER_SERVER;
        if (pool.getNumIdle() != expected || pool.getNumActive() != 0 || pool.getCreatedCount() != expected) {
            throw new IllegalStateException("warm-up failed: idle " + pool.getNumIdle() + ", active "
                    + pool.getNumActive() + ", created " + pool.getCreatedCount());
        }
    }

    static void checkIdlePathOnly(GenericKeyedObjectPool<ServerAddress, Object> pool, int expected) {
        long created = pool.getCreatedCount();
        long destroyed = pool.getDestroyedCount();
        if (created != expected || destroyed != 0) {
            throw new IllegalStateException("connections were created (" + created + ", expected " + expected
                    + ") or destroyed (" + destroyed + ") while measuring: not the idle-borrow path");
        }
    }

    /** The raw pools' factory: plain objects, validation always passes, activate/passivate do nothing. */
    static final class RawFactory extends BaseKeyedPooledObjectFactory<ServerAddress, Object> {
        private final Supplier<Object> connections;

        RawFactory(Supplier<Object> connections) {
            this.connections = connections;
        }

        @Override
        public Object create(ServerAddress server) {
            return connections.get();
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

    /** KeyedPoolAdapter's eviction policy less the parts that need a MultiPool: idle longer than idle-timeout. */
    static final class IdleTimeoutPolicy implements EvictionPolicy<Object> {
        private final long idleTimeoutNanos;
        private final int minIdle;

        IdleTimeoutPolicy(long idleTimeoutNanos, int minIdle) {
            this.idleTimeoutNanos = idleTimeoutNanos;
            this.minIdle = minIdle;
        }

        @Override
        public boolean evict(EvictionConfig config, PooledObject<Object> underTest, int idleCount) {
            return idleTimeoutNanos > 0 && idleCount > minIdle && underTest.getIdleDuration().toNanos() > idleTimeoutNanos;
        }
    }
}
