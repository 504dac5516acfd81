package dev.connpool;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a pool's background work runs: one thread of its own in production ({@link #thread}); a test can
 * give the {@link Housekeeper} a scheduler it drives by hand, on a fake clock, so that maintenance,
 * ejection ends, probes and refills happen exactly when the test says.
 */
interface HousekeepingScheduler {

    /** How many probes and trials of a pool run at once, at most (each on a server of its own). */
    int PROBE_THREADS = 4;

    /** How long an idle probe thread lives. */
    long PROBE_THREAD_KEEP_ALIVE_SECONDS = 30;

    /**
     * Runs {@code task} as soon as possible, on the scheduler's thread.
     *
     * @param task the task
     * @throws RejectedExecutionException once the scheduler is shut down
     */
    void execute(Runnable task);

    /**
     * Runs {@code task} once, {@code delayNanos} from now.
     *
     * @param task       the task
     * @param delayNanos the delay
     * @throws RejectedExecutionException once the scheduler is shut down
     */
    void schedule(Runnable task, long delayNanos);

    /**
     * Runs {@code task}, which may block on the network for up to a connect timeout (a health probe, a
     * trial), as soon as possible, off the thread of the other tasks: so that a hung server's probe delays
     * neither maintenance nor the probes of other servers. By default, like {@link #execute}.
     *
     * @param task the task
     * @throws RejectedExecutionException once the scheduler is shut down
     */
    default void executeBlocking(Runnable task) {
        execute(task);
    }

    /** Drops every pending task, interrupts running ones and returns once they ended (or after a bound). */
    void shutdown();

    /** Whether {@link #shutdown} was called. */
    boolean isShutdown();

    /**
     * A daemon thread named {@code connpool-<pool>-housekeeper}, and for {@link #executeBlocking} up to
     * {@link #PROBE_THREADS} daemon threads named {@code connpool-<pool>-probe-<n>}, started when needed and
     * ended after {@link #PROBE_THREAD_KEEP_ALIVE_SECONDS} without work.
     *
     * @param pool the pool's name
     * @return the scheduler
     */
    static HousekeepingScheduler thread(String pool) {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "connpool-" + pool + "-housekeeper");
            thread.setDaemon(true);
            return thread;
        });
        AtomicInteger probeThreads = new AtomicInteger();
        ThreadPoolExecutor blocking = new ThreadPoolExecutor(PROBE_THREADS, PROBE_THREADS,
                PROBE_THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "connpool-" + pool + "-probe-" + probeThreads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        blocking.allowCoreThreadTimeOut(true);
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return new HousekeepingScheduler() {
            @Override
            public void execute(Runnable task) {
                executor.execute(task);
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void executeBlocking(Runnable task) {
                if (executor.isShutdown()) {
                    throw new RejectedExecutionException("pool '" + pool + "' is closing");
                }
                blocking.execute(task);
            }

            @Override
            public void shutdown() {
                executor.shutdownNow();
                blocking.shutdownNow();
                try {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    if (!executor.awaitTermination(5, TimeUnit.SECONDS)
                            || !blocking.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        org.slf4j.LoggerFactory.getLogger(Housekeeper.class)
                                .warn("pool '{}': housekeeping threads did not stop within 5 s", pool);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public boolean isShutdown() {
                return executor.isShutdown();
            }
        };
    }
}
