package dev.connpool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where borrowers of a full server wait for a connection to come back (or for room to open one). connpool
 * waits here instead of inside commons-pool2, whose create() busy-spins once a borrower's max-wait has
 * run out while another thread of the same server is still connecting (and can so starve a virtual
 * thread's carrier).
 *
 * <p>One per server, where a return wakes one waiter (the longest waiting: a {@link Condition} queue is
 * FIFO), so the waiters of a busy server do not stampede for each connection; one per pool when a
 * pool-wide max-total exists (room freed on one server may serve another), where a return wakes all.
 *
 * <p>A return signals only when someone waits (one volatile read otherwise). The version counter makes
 * sure no signal is lost between a waiter's failed attempt and its wait.
 */
final class Capacity {

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int waiters;
    private long version;
    private final boolean wakeAll;

    /** @param wakeAll whether {@link #signal()} wakes every waiter (a pool-wide capacity) or one */
    Capacity(boolean wakeAll) {
        this.wakeAll = wakeAll;
    }

    /** Registers a waiter; returns the version to pass to {@link #await}. Pair with {@link #leave()}. */
    long enter() {
        lock.lock();
        try {
            waiters++;
            return version;
        } finally {
            lock.unlock();
        }
    }

    void leave() {
        lock.lock();
        try {
            waiters--;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until something changed since {@code seen} (a return, a destroy, close) or {@code nanos} pass.
     *
     * @return the new version to wait on next
     */
    long await(long seen, long nanos) throws InterruptedException {
        lock.lock();
        try {
            // At most RECHECK per wait: commons-pool2 frees room on its own too (a destroy by the evictor
            // finishes its bookkeeping after our factory returns), and such a change sends no signal.
            long left = Math.min(nanos, RECHECK_NANOS);
            while (version == seen && left > 0) {
                left = changed.awaitNanos(left);
            }
            return version;
        } finally {
            lock.unlock();
        }
    }

    /** A connection came back or went away: wake a waiter (or all of them, see the class comment), if any. */
    void signal() {
        if (waiters > 0) {
            wake(wakeAll);
        }
    }

    /** Wakes every waiter (the pool is closing). */
    void signalAll() {
        wake(true);
    }

    private void wake(boolean all) {
        lock.lock();
        try {
            version++;
            if (all) {
                changed.signalAll();
            } else {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    int waiters() {
        return waiters;
    }
}
