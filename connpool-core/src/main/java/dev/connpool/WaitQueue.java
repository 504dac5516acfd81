package dev.connpool;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Where borrowers of a full server wait, first come first served: a connection given back while someone
 * waits is handed to the longest-waiting borrower of its server ({@link #handOver}), never left for a
 * newcomer to take; freed room wakes the longest-waiting one ({@link #wakeFirst}), and only the first in
 * line of a server may take a parked connection or open a new one.
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

    /** One waiting borrower; its fields are guarded by the queue's lock. */
    static final class Waiter {
        final ServerEntry entry;
        private final Condition wakeUp;
        /** A connection handed over, not yet taken by the waiter. */
        private PooledConnection<?> handed;
        private boolean woken;

        private Waiter(ServerEntry entry, Condition wakeUp) {
            this.entry = entry;
            this.wakeUp = wakeUp;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(2);

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
            PooledConnection<?> left = waiter.handed;
            waiter.handed = null;
            return left;
        } finally {
            lock.unlock();
        }
    }

    /** The connection handed to the waiter since it last looked, or null. */
    PooledConnection<?> takeHanded(Waiter waiter) {
        lock.lock();
        try {
            PooledConnection<?> handed = waiter.handed;
            waiter.handed = null;
            return handed;
        } finally {
            lock.unlock();
        }
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
