package dev.connpool;

import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link HousekeepingScheduler} that runs nothing by itself: {@link #runDue()} runs, on the caller's thread,
 * every task whose time has come on the fake clock, in the order they are due (then in the order they were
 * scheduled). With it a pool's maintenance, ejection ends, probes and refills happen exactly when a test
 * says, and never behind its back.
 */
final class ManualScheduler implements HousekeepingScheduler {

    private record Task(long due, long seq, Runnable run) {
    }

    private final NanoClock clock;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due - b.due, 0) : Long.compare(a.seq, b.seq));
    private long seq;
    private boolean shutdown;

    ManualScheduler(NanoClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void execute(Runnable task) {
        schedule(task, 0);
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        tasks.add(new Task(clock.nanoTime() + Math.max(0, delayNanos), seq++, task));
    }

    /**
     * Runs every task due by now, those they schedule for now included.
     *
     * @return how many ran
     */
    int runDue() {
        int ran = 0;
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (shutdown || next == null || next.due - clock.nanoTime() > 0) {
                    return ran;
                }
                tasks.poll();
            }
            if (++ran > 100_000) {
                throw new AssertionError("housekeeping tasks keep scheduling themselves for now");
            }
            next.run.run();
        }
    }

    /** Tasks waiting, due or not. */
    synchronized int pending() {
        return tasks.size();
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        tasks.clear();
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }
}
