package dev.connpool;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hedged {@link MultiPool#execute(PoolCallback)} ({@code hedge.delay}): the call's attempts run on the user's
 * executor while the caller waits; when they have not answered after the delay, the same work starts on another
 * server, on the executor too, if one can lend a connection at once and the retry budget gives a token for it
 * ({@link RetryBudget#tryHedge()}). The first success is the answer. A failure of one side while the other runs
 * waits for the other; when both fail, the first side's failure is thrown with the hedge's suppressed. The first
 * side is a whole {@link AttemptLoop#run} (its own failovers, within the budget), which does not wait on a full
 * server while another has room; the hedge is one attempt that never waits for a connection and never uses the
 * server the first side is on ({@link HedgeRoom}). With no server to lend one at once, there is no hedge yet,
 * counted ({@link RetryStats#hedgesWithoutRoom()}): the caller looks again later.
 *
 * <p><b>The delay</b> is fixed, or a percentile of recent latencies taken over the servers other than the one the
 * first side waits on ({@link LatencyPercentile#delayNanos(ServerEntry)}), looked at again when that side moves to
 * another server: a slow server's latencies never put off the hedges of the calls waiting on it.
 *
 * <p><b>The loser</b> is not interrupted: interrupting a thread blocked in a {@code java.io} socket read closes
 * nothing on a platform thread (on a virtual thread it closes the socket), so it could not be relied on. It runs
 * to completion, or to its read timeout; its connection then goes back to the pool (or is invalidated or discarded,
 * as its failure says: {@link ServerAttempt}), and its result or failure is dropped. So each connection is returned
 * or destroyed by the side that leased it, exactly once, whoever won.
 *
 * <p>The caller's interrupt while it waits ends its call (a {@link PoolException}, the flag kept); the sides go on
 * and give their connections back when they end. An executor that refuses the first side: the call runs on the
 * caller's thread, unhedged; that refuses the hedge: no hedge. Thread-safe.
 */
final class HedgedExecute<C> {

    /** One side of a hedged call: the server it is on now (null until it picked one). */
    static final class Side {
        volatile ServerEntry current;
    }

    private static final Logger log = LoggerFactory.getLogger(HedgedExecute.class);
    /** {@link #hedge}'s answers: made (or not to be made: answered, no token, refused), or no room yet. */
    private static final int DONE = 0;
    private static final int NO_ROOM = 1;
    /** The longest pause between two looks for room, doubled from the delay. */
    private static final long LONGEST_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AttemptLoop<C> loop;
    private final HedgeRoom<C> room;
    private final RetryBudget budget;
    private final PoolErrors errors;
    private final Executor executor;
    private final NanoClock clock;
    private final long fixedNanos;
    private final LatencyPercentile latencies; // null with a fixed delay

    HedgedExecute(HedgeDelay delay, Executor executor, AttemptLoop<C> loop, RetryBudget budget, PoolErrors errors,
                  NanoClock clock) {
        this.loop = loop;
        this.room = loop.room;
        this.budget = budget;
        this.errors = errors;
        this.executor = executor;
        this.clock = clock;
        this.fixedNanos = delay.fixedDelay() == null ? -1 : delay.fixedDelay().toNanos();
        this.latencies = delay.fixedDelay() == null ? new LatencyPercentile(delay.percentileValue()) : null;
    }

    /** Runs a hedged call. The work is {@code plain} or {@code told}, whichever is not null. */
    <R> R run(PoolCallback<C, R> plain, ServerCallback<C, R> told) {
        if (latencies != null && latencies.delayNanos() < 0) { // no percentile yet: measure, unhedged, on the caller's thread
            return measured(plain, told, new Side());
        }
        Race<R> race = new Race<>(budget);
        Side first = new Side();
        long start = clock.nanoTime();
        try {
            executor.execute(() -> runSide(race, first, plain, told));
        } catch (RejectedExecutionException e) {
            log.debug("pool '{}': the hedge executor refused a call; it runs unhedged on the caller's thread",
                    errors.pool(), e);
            return measured(plain, told, new Side());
        }
        try {
            awaitOrHedge(race, first, start, plain, told);
            race.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interruptedWhileHedging(e);
        }
        return race.outcome();
    }

    /**
     * Waits for an answer until the delay of the server the first side is on has passed since {@code start} (the
     * delay looked at again when that side has moved meanwhile), then hedges, once. When no other server has room
     * then, it looks again after the delay, twice the delay, four times... (never waiting on a server: a look
     * only), while the call is unanswered; such a call counts once in {@link RetryStats#hedgesWithoutRoom()}.
     */
    private <R> void awaitOrHedge(Race<R> race, Side first, long start, PoolCallback<C, R> plain,
                                  ServerCallback<C, R> told) throws InterruptedException {
        long due = start;
        int looks = 0;
        while (true) {
            long delay = latencies == null ? fixedNanos : latencies.delayNanos(first.current);
            long left = (looks == 0 ? start + delay : due) - clock.nanoTime();
            if (left <= 0) {
                int outcome = hedge(race, first, looks == 0, plain, told);
                if (outcome != NO_ROOM) {
                    return;
                }
                long pause = Math.min(Math.max(delay, 1), LONGEST_LOOK_NANOS) << Math.min(looks, 30); // no overflow
                due = clock.nanoTime() + Math.min(pause, LONGEST_LOOK_NANOS);
                looks++;
                continue;
            }
            if (race.await(left)) {
                return;
            }
        }
    }

    private <R> int hedge(Race<R> race, Side first, boolean firstLook, PoolCallback<C, R> plain,
                          ServerCallback<C, R> told) {
        ServerEntry busy = first.current;
        if (!race.tryJoin()) {
            return DONE; // answered meanwhile
        }
        if (!room.anyOpen(busy)) {
            race.leave();
            if (!room.anotherServer(busy)) {
                return DONE;
            }
            if (firstLook) {
                budget.hedgeWithoutRoom(); // the others are full (or failing, or ramping): no hedge now, and no wait
            }
            return NO_ROOM;
        }
        if (!budget.tryHedge()) {
            race.leave();
            return DONE;
        }
        try {
            executor.execute(() -> runHedge(race, busy, plain, told));
        } catch (RejectedExecutionException e) {
            log.debug("pool '{}': the hedge executor refused a hedge; none made", errors.pool(), e);
            budget.hedgeNotMade(false);
            race.leave();
        }
        return DONE;
    }

    private <R> void runSide(Race<R> race, Side side, PoolCallback<C, R> plain, ServerCallback<C, R> told) {
        R result;
        try {
            result = measured(plain, told, side);
        } catch (Throwable t) { // whatever the work threw: its connection was dealt with by ServerAttempt
            race.failed(0, t);
            return;
        }
        race.succeeded(0, result);
    }

    /** The hedge's side: one attempt on a connection had at once, else no hedge (its token given back). */
    @SuppressWarnings("unchecked")
    private <R> void runHedge(Race<R> race, ServerEntry busy, PoolCallback<C, R> plain, ServerCallback<C, R> told) {
        Side side = new Side();
        long start = latencies == null ? 0 : clock.nanoTime();
        Object outcome;
        try {
            outcome = room.hedge(busy, plain, told, side);
        } catch (Throwable t) { // whatever the work threw: its connection was dealt with by ServerAttempt
            race.failed(1, t);
            return;
        }
        if (outcome == ServerAttempt.NO_ROOM) { // the servers open a moment ago are full now
            budget.hedgeNotMade(true);
            race.leave();
        } else if (outcome instanceof ServerAttempt.Failed failed) {
            race.failed(1, failed.brokenReused() == null ? errors.attemptsFailed(List.of(failed.failure()))
                    : errors.attemptsFailed(List.of(failed.brokenReused(), failed.failure())));
        } else {
            if (latencies != null) {
                latencies.record(side.current, clock.nanoTime() - start);
            }
            race.succeeded(1, (R) outcome);
        }
    }

    /** The first side's attempts; a success's time goes into the percentile, under the server that answered. */
    private <R> R measured(PoolCallback<C, R> plain, ServerCallback<C, R> told, Side side) {
        long start = latencies == null ? 0 : clock.nanoTime();
        R result = loop.run(plain, told, side);
        if (latencies != null) {
            latencies.record(side.current, clock.nanoTime() - start);
        }
        return result;
    }

    /**
     * The sides of one call: {@code running} counts the sides still out, or is -1 once the call has its outcome
     * (a success, or every side failed). Each side writes its slot before it counts itself out, and the caller reads
     * the slots after the latch: the latch orders them.
     */
    private static final class Race<R> {
        private final RetryBudget budget;
        private final CountDownLatch done = new CountDownLatch(1);
        private final AtomicInteger running = new AtomicInteger(1);
        private final Object[] results = new Object[2];
        private final Throwable[] failures = new Throwable[2];
        private int winner = -1;

        Race(RetryBudget budget) {
            this.budget = budget;
        }

        boolean await(long nanos) throws InterruptedException {
            return done.await(nanos, TimeUnit.NANOSECONDS);
        }

        void await() throws InterruptedException {
            done.await();
        }

        /** Adds the hedge's side, unless the call has its outcome already. */
        boolean tryJoin() {
            for (int r = running.get(); r >= 0; r = running.get()) {
                if (running.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
            return false;
        }

        /** Side {@code index} succeeded; returns whether its result is the answer. */
        boolean succeeded(int index, R result) {
            results[index] = result;
            for (int r = running.get(); r >= 0; r = running.get()) {
                if (running.compareAndSet(r, -1)) {
                    winner = index;
                    if (index == 1) {
                        budget.hedgeWon(); // counted before the caller wakes
                    }
                    done.countDown();
                    return true;
                }
            }
            return false;
        }

        void failed(int index, Throwable failure) {
            failures[index] = failure;
            leave();
        }

        /** A side ends without an answer (or never started): the last one out ends the call. */
        void leave() {
            for (int r = running.get(); r >= 0; r = running.get()) {
                int next = r == 1 ? -1 : r - 1;
                if (running.compareAndSet(r, next)) {
                    if (next == -1) {
                        done.countDown();
                    }
                    return;
                }
            }
        }

        @SuppressWarnings("unchecked")
        R outcome() {
            if (winner >= 0) {
                return (R) results[winner];
            }
            Throwable thrown = failures[0];
            if (failures[1] != null && failures[1] != thrown) {
                thrown.addSuppressed(failures[1]);
            }
            if (thrown instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(thrown); // a checked Throwable thrown sneakily by the work
        }
    }
}
