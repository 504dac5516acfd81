package dev.connpool;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where a pool's background work runs: one thread of its own in production ({@link #thread}); a test can
 * give the {@link Housekeeper} a scheduler it drives by hand, on a fake clock, so that maintenance,
 * ejection ends, probes and refills happen exactly when the test says.
 */
interface HousekeepingScheduler {

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

    /** Drops every pending task, interrupts a running one and returns once it ended (or after a bound). */
    void shutdown();

    /** Whether {@link #shutdown} was called. */
    boolean isShutdown();

    /**
     * A daemon thread named {@code connpool-<pool>-housekeeper}.
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
            public void shutdown() {
                executor.shutdownNow();
                try {
                    if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                        org.slf4j.LoggerFactory.getLogger(Housekeeper.class)
                                .warn("pool '{}': housekeeping thread did not stop within 5 s", pool);
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
