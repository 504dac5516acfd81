package dev.connpool.benchmarks;

import static dev.connpool.benchmarks.PeerStates.MAX_WAIT_MS;
import static dev.connpool.benchmarks.PeerStates.SERVERS;

import com.zaxxer.hikari.util.ConcurrentBag;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.benchmarks.PeerStates.BagEntry;
import dev.connpool.benchmarks.PeerStates.HcConnection;
import dev.connpool.benchmarks.PeerStates.HikariBags;
import dev.connpool.benchmarks.PeerStates.HttpCore5Lax;
import dev.connpool.benchmarks.PeerStates.HttpCore5State;
import dev.connpool.benchmarks.PeerStates.HttpCore5Strict;
import dev.connpool.benchmarks.PeerStates.MultiPoolMaxTotalState;
import dev.connpool.benchmarks.PeerStates.MultiPoolState;
import dev.connpool.benchmarks.PeerStates.Queues;
import dev.connpool.benchmarks.PeerStates.RawAdapterSettings;
import dev.connpool.benchmarks.PeerStates.RawDefaults;
import dev.connpool.benchmarks.PeerStates.RawDefaultsNoDetailedStats;
import dev.connpool.benchmarks.PeerStates.Turn;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.hc.core5.pool.LaxConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.StrictConnPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Borrow and return of an idle connection, no I/O, in every pool side by side: 3 servers (keys, routes)
 * with 8 warm connections each, the key chosen round-robin, the connections plain objects. With 32
 * threads, more than the 24 connections, borrowers wait; every pool here waits up to 30 s, so none fails.
 *
 * <ul>
 *   <li>{@code multiPoolBorrow}: {@link MultiPool#borrow()} (round-robin balancer) and {@code close()};
 *   <li>{@code multiPoolBorrowServer}: {@link MultiPool#borrow(ServerAddress)}, servers in turn, and {@code close()};
 *   <li>{@code multiPoolExecute}: {@link MultiPool#execute} with a callback that does nothing;
 *   <li>{@code commonsPool2AdapterSettings}: a bare commons-pool2 {@code GenericKeyedObjectPool} configured as
 *       connpool's KeyedPoolAdapter configures its own (see {@link Fixtures#rawAdapterSettings});
 *   <li>{@code commonsPool2Defaults}: the same on commons-pool2's defaults (JMX, detailed statistics);
 *   <li>{@code commonsPool2DefaultsNoDetailedStats}: defaults but {@code collectDetailedStatistics=false};
 *   <li>{@code httpCore5Strict} and {@code httpCore5Lax}: HttpCore5's {@link StrictConnPool} and
 *       {@link LaxConnPool}, 8 per route, LIFO, no time-to-live: {@code lease(route, null, timeout, null).get()}
 *       and {@code release(entry, true)}, as HttpClient's connection manager calls them;
 *   <li>{@code hikariConcurrentBag}: HikariCP's {@link ConcurrentBag} (the heart of its JDBC pool), one per key;
 *   <li>{@code floorQueue}: one {@link ConcurrentLinkedQueue} per key, {@code poll()} and {@code offer()}:
 *       the least a pool can cost (a borrower that finds its queue empty spins with {@code Thread.yield()}).
 * </ul>
 *
 * <p>The suite ({@link Suite}) runs this at 1, 8 and 32 threads with {@code -prof gc}. The pools are set up
 * in {@link PeerStates}; each state checks at teardown that nothing was created or destroyed while measuring:
 * every borrow took an idle connection.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PeerBenchmark {

    @Benchmark
    public Object multiPoolBorrow(MultiPoolState state) {
        Lease<Object> lease = state.pool.borrow();
        Object connection = lease.connection();
        lease.close();
        return connection;
    }

    @Benchmark
    public Object multiPoolBorrowServer(MultiPoolState state, Turn turn) {
        Lease<Object> lease = state.pool.borrow(SERVERS[turn.key()]);
        Object connection = lease.connection();
        lease.close();
        return connection;
    }

    /** Through commons-pool2 on every borrow: what the parked fast path saves. */
    @Benchmark
    public Object multiPoolBorrowMaxTotal(MultiPoolMaxTotalState state) {
        Lease<Object> lease = state.pool.borrow();
        Object connection = lease.connection();
        lease.close();
        return connection;
    }

    @Benchmark
    public Object multiPoolExecute(MultiPoolState state) {
        return state.pool.execute(connection -> connection);
    }

    /** As KeyedPoolAdapter calls it: {@code borrowObject(key, Duration)} with a constant, not {@code borrowObject(key)}. */
    @Benchmark
    public Object commonsPool2AdapterSettings(RawAdapterSettings state, Turn turn) throws Exception {
        ServerAddress server = SERVERS[turn.key()];
        Object connection = state.pool.borrowObject(server, Fixtures.MAX_WAIT);
        state.pool.returnObject(server, connection);
        return connection;
    }

    /** {@code borrowObject(key)}, as most users call it (commons-pool2 makes a Duration of max-wait each time). */
    @Benchmark
    public Object commonsPool2Defaults(RawDefaults state, Turn turn) throws Exception {
        return rawBorrowReturn(state.pool, SERVERS[turn.key()]);
    }

    @Benchmark
    public Object commonsPool2DefaultsNoDetailedStats(RawDefaultsNoDetailedStats state, Turn turn) throws Exception {
        return rawBorrowReturn(state.pool, SERVERS[turn.key()]);
    }

    private static Object rawBorrowReturn(GenericKeyedObjectPool<ServerAddress, Object> pool, ServerAddress server)
            throws Exception {
        Object connection = pool.borrowObject(server);
        pool.returnObject(server, connection);
        return connection;
    }

    @Benchmark
    public Object httpCore5Strict(HttpCore5Strict state, Turn turn) throws Exception {
        return leaseRelease(state, SERVERS[turn.key()]);
    }

    @Benchmark
    public Object httpCore5Lax(HttpCore5Lax state, Turn turn) throws Exception {
        return leaseRelease(state, SERVERS[turn.key()]);
    }

    private static Object leaseRelease(HttpCore5State state, ServerAddress server) throws Exception {
        PoolEntry<ServerAddress, HcConnection> entry = state.pool.lease(server, null, state.timeout, null)
                .get(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
        HcConnection connection = entry.getConnection();
        state.pool.release(entry, true);
        return connection;
    }

    @Benchmark
    public Object hikariConcurrentBag(HikariBags state, Turn turn) throws InterruptedException {
        ConcurrentBag<BagEntry> bag = state.bags[turn.key()];
        BagEntry entry = bag.borrow(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
        if (entry == null) {
            throw new IllegalStateException("ConcurrentBag.borrow timed out");
        }
        bag.requite(entry);
        return entry;
    }

    @Benchmark
    public Object floorQueue(Queues state, Turn turn) {
        ConcurrentLinkedQueue<Object> queue = state.queues[turn.key()];
        Object connection;
        while ((connection = queue.poll()) == null) {
            Thread.yield(); // 32 threads: all 8 of this key are out
        }
        queue.offer(connection);
        return connection;
    }
}
