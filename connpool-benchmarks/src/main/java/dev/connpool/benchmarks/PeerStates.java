package dev.connpool.benchmarks;

import com.zaxxer.hikari.util.ConcurrentBag;
import dev.connpool.Balancer;
import dev.connpool.MultiPool;
import dev.connpool.PoolSettings;
import dev.connpool.ServerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.LaxConnPool;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.StrictConnPool;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The JMH states of {@link PeerBenchmark}: each pool side by side, set up with 3 servers (keys, routes) and
 * 8 warm connections each, and each thread's turn over the keys. JMH wants its states public and static, so
 * they are public static nested classes here. Each pool state checks at teardown that nothing was created or
 * destroyed while measuring (but {@link MultiPoolMaxTotalState}, which says how much was).
 */
public final class PeerStates {

    static final ServerAddress[] SERVERS = Fixtures.servers(3);
    static final int CONNECTIONS = SERVERS.length * Fixtures.PER_SERVER;
    static final long MAX_WAIT_MS = Fixtures.MAX_WAIT.toMillis();

    private PeerStates() {
    }

    @State(Scope.Benchmark)
    public static class MultiPoolState {
        Fixtures.ObjectFactory factory;
        MultiPool<Object> pool;

        @Setup(Level.Trial)
        public void setUp() {
            factory = new Fixtures.ObjectFactory();
            pool = Fixtures.multiPool(factory, SERVERS, Balancer.roundRobin());
            Fixtures.warm(pool, factory, SERVERS);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                Fixtures.checkIdlePathOnly(factory, CONNECTIONS);
            } finally {
                pool.close();
            }
        }
    }

    /**
     * The same pool with a pool-wide max-total (the 24 connections it has anyway): connpool then parks
     * nothing and every borrow goes through commons-pool2, as it did before the fast path. Its teardown
     * does not insist on the idle path: once borrowers wait (32 threads), commons-pool2 makes room for one
     * server by closing idle connections of another ({@code clearOldest}) and opens new ones, and that
     * churn is part of what max-total costs. The teardown prints how much there was.
     */
    @State(Scope.Benchmark)
    public static class MultiPoolMaxTotalState {
        Fixtures.ObjectFactory factory;
        MultiPool<Object> pool;

        @Setup(Level.Trial)
        public void setUp() {
            factory = new Fixtures.ObjectFactory();
            pool = Fixtures.multiPool(factory, SERVERS, Balancer.roundRobin(), CONNECTIONS);
            Fixtures.warm(pool, factory, SERVERS);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                System.out.printf("%nmax-total: %d connections created, %d destroyed in all (%d at warm-up)%n",
                        factory.created.get(), factory.destroyed.get(), CONNECTIONS);
            } finally {
                pool.close();
            }
        }
    }

    /** A bare commons-pool2 pool; which configuration is a parameter of the state subclass. */
    public abstract static class RawState {
        GenericKeyedObjectPool<ServerAddress, Object> pool;

        abstract GenericKeyedObjectPool<ServerAddress, Object> create();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            pool = create();
            Fixtures.warm(pool, SERVERS);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                Fixtures.checkIdlePathOnly(pool, CONNECTIONS);
            } finally {
                pool.close();
            }
        }
    }

    @State(Scope.Benchmark)
    public static class RawAdapterSettings extends RawState {
        @Override
        GenericKeyedObjectPool<ServerAddress, Object> create() {
            // The settings of the MultiPool above, read from a MultiPool built with them (and closed at once).
            MultiPool<Object> settingsOnly = Fixtures.multiPool(new Fixtures.ObjectFactory(), SERVERS, Balancer.roundRobin());
            PoolSettings settings = settingsOnly.settings();
            settingsOnly.close();
            return Fixtures.rawAdapterSettings(settings);
        }
    }

    @State(Scope.Benchmark)
    public static class RawDefaults extends RawState {
        @Override
        GenericKeyedObjectPool<ServerAddress, Object> create() {
            return Fixtures.rawDefaults(true);
        }
    }

    @State(Scope.Benchmark)
    public static class RawDefaultsNoDetailedStats extends RawState {
        @Override
        GenericKeyedObjectPool<ServerAddress, Object> create() {
            return Fixtures.rawDefaults(false);
        }
    }

    /** HttpCore5's connections must be {@link ModalCloseable}: a plain object that counts its closes. */
    static final class HcConnection implements ModalCloseable {
        static final AtomicInteger CLOSED = new AtomicInteger();

        @Override
        public void close(CloseMode closeMode) {
            CLOSED.incrementAndGet();
        }

        @Override
        public void close() {
            close(CloseMode.GRACEFUL);
        }
    }

    /** An HttpCore5 pool; which one is a parameter of the state subclass. */
    public abstract static class HttpCore5State {
        ManagedConnPool<ServerAddress, HcConnection> pool;
        final Timeout timeout = Timeout.ofMilliseconds(MAX_WAIT_MS);

        abstract ManagedConnPool<ServerAddress, HcConnection> create();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            HcConnection.CLOSED.set(0);
            pool = create();
            List<PoolEntry<ServerAddress, HcConnection>> leased = new ArrayList<>();
            for (ServerAddress server : SERVERS) {
                for (int i = 0; i < Fixtures.PER_SERVER; i++) {
                    PoolEntry<ServerAddress, HcConnection> entry = pool.lease(server, null, timeout, null)
                            .get(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
                    entry.assignConnection(new HcConnection());
                    leased.add(entry);
                }
                leased.forEach(e -> pool.release(e, true));
                leased.clear();
            }
            check("warm-up");
        }

        void check(String when) {
            var stats = pool.getTotalStats();
            if (stats.getAvailable() != CONNECTIONS || stats.getLeased() != 0 || stats.getPending() != 0
                    || HcConnection.CLOSED.get() != 0) {
                throw new IllegalStateException(when + ": " + stats + ", closed " + HcConnection.CLOSED);
            }
            for (ServerAddress server : SERVERS) {
                if (pool.getStats(server).getAvailable() != Fixtures.PER_SERVER) {
                    throw new IllegalStateException(when + ": " + server + " " + pool.getStats(server));
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                check("after measuring");
            } finally {
                pool.close(CloseMode.IMMEDIATE);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class HttpCore5Strict extends HttpCore5State {
        @Override
        ManagedConnPool<ServerAddress, HcConnection> create() {
            return new StrictConnPool<>(Fixtures.PER_SERVER, CONNECTIONS, TimeValue.NEG_ONE_MILLISECOND,
                    PoolReusePolicy.LIFO, null);
        }
    }

    @State(Scope.Benchmark)
    public static class HttpCore5Lax extends HttpCore5State {
        @Override
        ManagedConnPool<ServerAddress, HcConnection> create() {
            return new LaxConnPool<>(Fixtures.PER_SERVER, TimeValue.NEG_ONE_MILLISECOND, PoolReusePolicy.LIFO, null);
        }
    }

    /** HikariCP's bag entries carry their own state; this one carries nothing else. */
    static final class BagEntry implements ConcurrentBag.IConcurrentBagEntry {
        private static final AtomicIntegerFieldUpdater<BagEntry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(BagEntry.class, "state");
        private volatile int state;

        @Override
        public boolean compareAndSet(int expect, int update) {
            return STATE.compareAndSet(this, expect, update);
        }

        @Override
        public void setState(int update) {
            STATE.set(this, update);
        }

        @Override
        public int getState() {
            return state;
        }
    }

    @State(Scope.Benchmark)
    public static class HikariBags {
        ConcurrentBag<BagEntry>[] bags;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setUp() {
            bags = (ConcurrentBag<BagEntry>[]) new ConcurrentBag<?>[SERVERS.length];
            for (int k = 0; k < bags.length; k++) {
                bags[k] = new ConcurrentBag<>(waiting -> { }); // HikariPool would open a connection here; all are open
                for (int i = 0; i < Fixtures.PER_SERVER; i++) {
                    bags[k].add(new BagEntry());
                }
            }
            check("warm-up");
        }

        void check(String when) {
            for (ConcurrentBag<BagEntry> bag : bags) {
                if (bag.size() != Fixtures.PER_SERVER
                        || bag.getCount(ConcurrentBag.IConcurrentBagEntry.STATE_NOT_IN_USE) != Fixtures.PER_SERVER) {
                    throw new IllegalStateException(when + ": a bag holds " + bag.size() + ", "
                            + bag.getCount(ConcurrentBag.IConcurrentBagEntry.STATE_NOT_IN_USE) + " not in use");
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            check("after measuring");
            for (ConcurrentBag<BagEntry> bag : bags) {
                bag.close();
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Queues {
        ConcurrentLinkedQueue<Object>[] queues;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setUp() {
            queues = (ConcurrentLinkedQueue<Object>[]) new ConcurrentLinkedQueue<?>[SERVERS.length];
            for (int k = 0; k < queues.length; k++) {
                queues[k] = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < Fixtures.PER_SERVER; i++) {
                    queues[k].offer(new Object());
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (ConcurrentLinkedQueue<Object> queue : queues) {
                if (queue.size() != Fixtures.PER_SERVER) {
                    throw new IllegalStateException("a queue holds " + queue.size() + " after measuring");
                }
            }
        }
    }

    /** Each thread's own turn over the keys, starting at its thread index so that threads spread out. */
    @State(Scope.Thread)
    public static class Turn {
        int next;

        @Setup(Level.Trial)
        public void setUp(ThreadParams threads) {
            next = threads.getThreadIndex() % SERVERS.length;
        }

        int key() {
            int i = next;
            next = i + 1 == SERVERS.length ? 0 : i + 1;
            return i;
        }
    }
}
