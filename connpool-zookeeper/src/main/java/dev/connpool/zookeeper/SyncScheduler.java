package dev.connpool.zookeeper;

import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the source's reads on one daemon thread ({@code connpool-<pool>-zookeeper}), so that reads and pool
 * updates never overlap. A read asked for while one is queued and not started is folded into it: a burst
 * of watch events costs a read or two. A read that failed is tried again after a backoff (500 ms doubling
 * to 30 s, reset by a read that succeeds); a removal that falls due later asks for a read then. Scheduled
 * reads are made only while ZooKeeper is connected: otherwise the reconnection asks for one.
 *
 * <p>The retry and wake-up fields are the thread's own.
 */
final class SyncScheduler {

    private static final Logger log = LoggerFactory.getLogger(SyncScheduler.class);
    static final long RETRY_MIN_MILLIS = 500;
    static final long RETRY_MAX_MILLIS = 30_000;

    private final String label;
    private final ScheduledThreadPoolExecutor executor;
    private final Runnable read;
    private final BooleanSupplier connected;
    private volatile Thread thread;
    /** A read is queued and not started yet: further requests fold into it. */
    private final AtomicBoolean queued = new AtomicBoolean();

    // The thread's own.
    private long retryMillis;
    private ScheduledFuture<?> retry;
    private ScheduledFuture<?> wakeUp;

    /**
     * @param label     names the source in logs
     * @param poolName  the pool's name, for the thread's
     * @param read      one read of the path and its pool update; run on the thread only
     * @param connected whether ZooKeeper is connected now
     */
    SyncScheduler(String label, String poolName, Runnable read, BooleanSupplier connected) {
        this.label = label;
        this.read = read;
        this.connected = connected;
        String threadName = "connpool-" + poolName + "-zookeeper";
        this.executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    /** Asks for a read of the whole path, folded into one already queued. */
    void request() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::runRead);
        } catch (RejectedExecutionException e) {
            queued.set(false); // shut down
        }
    }

    /**
     * Queues the first read, for {@code start()} to wait on.
     *
     * @throws RejectedExecutionException when shut down
     */
    Future<?> submitFirst() {
        queued.set(true);
        return executor.submit(this::runRead);
    }

    private void runRead() {
        queued.set(false);
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        try {
            read.run();
        } catch (RuntimeException | Error e) { // the executor would swallow it: log it at least
            log.error("{}: reading the path failed unexpectedly", label, e);
            throw e;
        }
    }

    /** The read failed: another one after the backoff (on the thread). */
    void retryLater() {
        retryMillis = retryMillis == 0 ? RETRY_MIN_MILLIS : Math.min(retryMillis * 2, RETRY_MAX_MILLIS);
        retry = schedule(retryMillis, TimeUnit.MILLISECONDS);
    }

    /** The read succeeded: the backoff starts over (on the thread). */
    void succeeded() {
        retryMillis = 0;
    }

    /** A read in {@code nanos}, replacing the one asked for before; none when negative (on the thread). */
    void readIn(long nanos) {
        if (wakeUp != null) {
            wakeUp.cancel(false);
            wakeUp = null;
        }
        if (nanos >= 0) {
            wakeUp = schedule(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private ScheduledFuture<?> schedule(long delay, TimeUnit unit) {
        try {
            return executor.schedule(() -> {
                if (connected.getAsBoolean()) {
                    request(); // when disconnected, the reconnection asks for the read
                }
            }, delay, unit);
        } catch (RejectedExecutionException shutDown) {
            return null;
        }
    }

    /** Whether the caller is the scheduler's thread. */
    boolean onThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Stops: a read under way finishes (bounded by the client's retry policy), queued ones do not run. Waits
     * up to {@code waitMillis} unless called from the thread itself.
     */
    void shutdown(long waitMillis) {
        executor.shutdown();
        if (onThread()) {
            return;
        }
        try {
            if (!executor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
