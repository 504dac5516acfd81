package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Where borrowers of a full server wait, in two modes (the design of Go's {@code sync.Mutex}):
 *
 * <ul>
 *   <li><b>Normal</b>: a connection given back is parked and the longest-waiting borrower is woken to take
 *       it; a newcomer arriving meanwhile may take it first. A thread that gives a connection back and
 *       borrows again at once (the common loop) then never blocks, which keeps throughput up when threads
 *       outnumber cores: a strict queue would make every borrow behind a sleeping waiter sleep too (on
 *       2 cores, 32 threads ran 50 times slower so).</li>
 *   <li><b>Starving</b>: once a borrower has waited {@link #starvationNanos a hundredth of max-wait}
 *       (at least 1 ms, at most half of max-wait) without being served, every connection given back is handed to the longest-waiting
 *       borrower of its server ({@link #handOver}), never left for a newcomer, and only the first in
 *       line may take a parked connection or open a new one. The queue goes back to normal once a
 *       borrower is served after a short wait or the last waiter of the server is served.</li>
 * </ul>
 * So no borrower is passed by newcomers for longer than the starvation threshold, and none times out
 * while connections keep coming back within max-wait.
 *
 * <p>One per server; one per pool when a pool-wide max-total exists (room freed on one server may serve
 * a borrower of another), where waiters of every server queue together and each server's first in line
 * is the first of its own waiters.
 *
 * <p>Only borrowers that found the server full come here: a successful borrow and return take no lock.
 * A waiter's {@link ServerEntry#waiting()} count goes up before it looks at the server again, and a
 * return looks at that count after it parked, so one of the two always sees the other.
 */
final class WaitQueue {

    /** One waiting borrower; its fields are guarded by the queue's lock, but for the taking of {@link #handed}. */
    static final class Waiter {
        private static final VarHandle HANDED;

        static {
            try {
                HANDED = MethodHandles.lookup().findVarHandle(Waiter.class, "handed", PooledConnection.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final ServerEntry entry;
        private final Condition wakeUp;
        /**
         * A connection handed over, not yet taken by the waiter. Set under the lock (only while null); taken
         * with one atomic swap, by the waiter without the lock or by {@link #leave} with it: whoever swaps it
         * out owns it.
         */
        private volatile PooledConnection<?> handed;
        private boolean woken;

        private PooledConnection<?> takeHanded() {
            return handed == null ? null : (PooledConnection<?>) HANDED.getAndSet(this, (PooledConnection<?>) null);
        }

        private Waiter(ServerEntry entry, Condition wakeUp) {
            this.entry = entry;
            this.wakeUp = wakeUp;
        }
    }

    private static final long ONE_MS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * How long a borrower may be passed by newcomers before the queue turns strict: a hundredth of
     * max-wait, at least 1 ms (Go's mutex uses 1 ms), at most half of max-wait. A thread that waits for a
     * core on a busy machine is not starving; a borrower about to time out is.
     *
     * @param maxWaitNanos the pool's max-wait
     * @return the threshold in nanoseconds
     */
    static long starvationNanos(long maxWaitNanos) {
        return Math.min(Math.max(ONE_MS, maxWaitNanos / 100), maxWaitNanos / 2);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(2);
    /** Whether the queue is strict now (see the class comment); read without the lock by borrows and returns. */
    private volatile boolean starving;

    /** Whether connections given back go to the waiters in order, newcomers queueing behind them. */
    boolean starving() {
        return starving;
    }

    /** A waiter has waited too long: from now on, strict order. */
    void starve() {
        starving = true;
    }

    /**
     * The waiter was served after {@code waitedNanos}: the queue goes back to normal when that wait was
     * short or nobody else waits for the server.
     */
    void served(Waiter waiter, long waitedNanos, long thresholdNanos) {
        if (!starving) {
            return;
        }
        lock.lock();
        try {
            if (waitedNanos < thresholdNanos || firstOtherThan(waiter) == null) {
                starving = false;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues a borrower of {@code entry} at the tail; pair with {@link #leave}. */
    Waiter enter(ServerEntry entry) {
        lock.lock();
        try {
            Waiter waiter = new Waiter(entry, lock.newCondition());
            waiters.addLast(waiter);
            entry.addWaiting(1);
            return waiter;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the waiter out of the queue. Returns a connection handed to it that it did not take (it timed
     * out or failed meanwhile), for the caller to give back; null otherwise.
     */
    PooledConnection<?> leave(Waiter waiter) {
        lock.lock();
        try {
            waiters.remove(waiter);
            waiter.entry.addWaiting(-1);
            return waiter.takeHanded();
        } finally {
            lock.unlock();
        }
    }

    /** The connection handed to the waiter since it last looked, or null; takes no lock. */
    PooledConnection<?> takeHanded(Waiter waiter) {
        return waiter.takeHanded();
    }

    /** Whether every waiter of the same server that came before this one has been handed a connection. */
    boolean isFirst(Waiter waiter) {
        lock.lock();
        try {
            return firstOf(waiter.entry) == waiter;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands {@code connection} to the longest-waiting borrower of its server that holds none yet.
     *
     * @return false when no such borrower waits (the caller keeps the connection)
     */
    boolean handOver(PooledConnection<?> connection) {
        lock.lock();
        try {
            Waiter first = firstOf(connection.entry);
            if (first == null) {
                return false;
            }
            first.handed = connection;
            wake(first);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands a connection {@code source} gives (a parked one, taken under the queue's lock so that no
     * other hand-over can pass it) to the longest-waiting borrower of {@code entry}, if one waits.
     *
     * @return whether a connection was handed over
     */
    boolean handOverFrom(ServerEntry entry, Supplier<? extends PooledConnection<?>> source) {
        lock.lock();
        try {
            Waiter first = firstOf(entry);
            PooledConnection<?> connection = first == null ? null : source.get();
            if (connection == null) {
                return false;
            }
            first.handed = connection;
            wake(first);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Room was freed on {@code entry}'s server (a connection destroyed): wakes its first waiter, or with
     * {@code anyServer} (a pool-wide queue) the first waiter of every server.
     */
    void wakeFirst(ServerEntry entry, boolean anyServer) {
        lock.lock();
        try {
            if (!anyServer) {
                Waiter first = firstOf(entry);
                if (first != null) {
                    wake(first);
                }
                return;
            }
            Set<ServerEntry> seen = new HashSet<>();
            for (Waiter waiter : waiters) {
                if (waiter.handed == null && seen.add(waiter.entry)) {
                    wake(waiter);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter (the pool is closing). */
    void wakeAll() {
        lock.lock();
        try {
            waiters.forEach(this::wake);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the waiter is handed a connection or woken, or {@code nanos} pass.
     *
     * @throws InterruptedException when the thread is interrupted
     */
    void await(Waiter waiter, long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!waiter.woken && waiter.handed == null && left > 0) {
                left = waiter.wakeUp.awaitNanos(left);
            }
            waiter.woken = false;
        } finally {
            lock.unlock();
        }
    }

    private Waiter firstOtherThan(Waiter served) {
        for (Waiter waiter : waiters) {
            if (waiter != served && waiter.entry == served.entry && waiter.handed == null) {
                return waiter;
            }
        }
        return null;
    }

    private Waiter firstOf(ServerEntry entry) {
        for (Waiter waiter : waiters) {
            if (waiter.entry == entry && waiter.handed == null) {
                return waiter;
            }
        }
        return null;
    }

    private void wake(Waiter waiter) {
        waiter.woken = true;
        waiter.wakeUp.signal();
    }
}
