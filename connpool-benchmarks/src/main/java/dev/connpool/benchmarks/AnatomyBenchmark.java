package dev.connpool.benchmarks;

import dev.connpool.ServerAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.commons.pool2.impl.DefaultPooledObject;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The parts that one borrow + return of an idle connection in commons-pool2 2.13.1 (and so in MultiPool)
 * is made of, each alone, on one thread: what a fast path could drop. Read next to the source of
 * {@code GenericKeyedObjectPool.borrowObject(K, Duration)} / {@code returnObject} and {@code DefaultPooledObject}:
 *
 * <ul>
 *   <li>{@code instantNow}: one {@code Instant.now()} (a wall-clock read and a 24-byte object);
 *       a borrow + return makes six (start, remaining wait, {@code allocate}, the borrow's wait time,
 *       {@code getActiveDuration}, {@code deallocate});
 *   <li>{@code nanoTime}: what a monotonic read costs instead;
 *   <li>{@code remainingWait}: {@code maxWait.minus(Duration.between(start, Instant.now()))}, done once per borrow
 *       even when the idle deque is not empty;
 *   <li>{@code registerDeregister}: the read lock of the key map taken twice, the map looked up twice and the
 *       key's interest counter moved up and down, as {@code register}/{@code deregister} do on every borrow;
 *   <li>{@code identityLookup}: {@code returnObject} finds the wrapper by a new identity-keyed object in a
 *       ConcurrentHashMap of the key's objects;
 *   <li>{@code dequePollAdd}: {@code pollFirst()} and {@code addFirst()} on the key's LinkedBlockingDeque (one
 *       lock each, a node allocated per add);
 *   <li>{@code pooledObjectCycle}: {@code allocate()}, {@code markReturning()}, {@code getActiveDuration()},
 *       {@code deallocate()} on a DefaultPooledObject (three synchronized blocks, three clock reads);
 *   <li>{@code leaseBookkeeping}: what MultiPool adds around the raw pool on a borrow of a given server: a
 *       ThreadLocal, a nanoTime deadline, the owner and active counters (atomics), a 24-byte lease.
 * </ul>
 *
 * <p>The suite's part {@code anatomy}; alone: {@code java -jar connpool-benchmarks/target/benchmarks.jar Anatomy -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class AnatomyBenchmark {

    private final Duration maxWait = Fixtures.MAX_WAIT;
    private final Instant start = Instant.now();
    private final ServerAddress[] servers = Fixtures.servers(3);
    private final ReentrantReadWriteLock keyLock = new ReentrantReadWriteLock();
    private final ConcurrentHashMap<ServerAddress, AtomicLong> poolMap = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Identity, Object> allObjects = new ConcurrentHashMap<>();
    private final Object[] objects = new Object[Fixtures.PER_SERVER];
    private final LinkedBlockingDeque<Object> idle = new LinkedBlockingDeque<>();
    private final DefaultPooledObject<Object> pooled = new DefaultPooledObject<>(new Object());
    private final ThreadLocal<long[]> context = ThreadLocal.withInitial(() -> new long[1]);
    private final AtomicInteger owner = new AtomicInteger();
    private final AtomicInteger leased = new AtomicInteger();
    private int turn;

    /** The identity-keyed wrapper commons-pool2 allocates on every return (its IdentityWrapper is not public). */
    private static final class Identity {
        private final Object instance;

        Identity(Object instance) {
            this.instance = instance;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(instance);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Identity && ((Identity) other).instance == instance;
        }
    }

    /** MultiPool's lease: three fields. */
    private static final class LeaseLike {
        final Object pooled;
        final int id;
        final boolean trial;

        LeaseLike(Object pooled, int id, boolean trial) {
            this.pooled = pooled;
            this.id = id;
            this.trial = trial;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        for (ServerAddress server : servers) {
            poolMap.put(server, new AtomicLong());
        }
        for (int i = 0; i < objects.length; i++) {
            objects[i] = new Object();
            allObjects.put(new Identity(objects[i]), objects[i]);
            idle.addLast(objects[i]);
        }
    }

    private ServerAddress nextServer() {
        int i = turn;
        turn = i + 1 == servers.length ? 0 : i + 1;
        return servers[i];
    }

    @Benchmark
    public Instant instantNow() {
        return Instant.now();
    }

    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }

    @Benchmark
    public Duration remainingWait() {
        return maxWait.minus(Duration.between(start, Instant.now()));
    }

    @Benchmark
    public long registerDeregister() {
        ServerAddress key = nextServer();
        long n;
        ReentrantReadWriteLock.ReadLock lock = keyLock.readLock();
        lock.lock();
        try {
            n = poolMap.get(key).incrementAndGet();
        } finally {
            lock.unlock();
        }
        lock.lock();
        try {
            n += poolMap.get(key).decrementAndGet();
        } finally {
            lock.unlock();
        }
        return n;
    }

    @Benchmark
    public Object identityLookup() {
        Object o = objects[turn];
        turn = turn + 1 == objects.length ? 0 : turn + 1;
        return allObjects.get(new Identity(o));
    }

    @Benchmark
    public Object dequePollAdd() {
        Object o = idle.pollFirst();
        idle.addFirst(o);
        return o;
    }

    @Benchmark
    public Duration pooledObjectCycle() {
        pooled.allocate();
        pooled.markReturning();
        Duration active = pooled.getActiveDuration();
        pooled.deallocate();
        return active;
    }

    @Benchmark
    public Object leaseBookkeeping() {
        long[] c = context.get();
        c[0] = System.nanoTime() + 30_000_000_000L;
        int id = owner.get() + 1;
        owner.lazySet(id);
        leased.incrementAndGet();
        LeaseLike lease = new LeaseLike(objects[0], id, false);
        if (owner.compareAndSet(id, 0)) {
            leased.decrementAndGet();
        }
        c[0] = 0;
        return lease;
    }
}
