package dev.connpool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's retry budget ({@code retry.budget.*}), shared by every call: a token bucket over a sliding window,
 * as Finagle's {@code RetryBudget}. Each call that may retry (a {@code borrow()}, an {@code execute}, a
 * {@code borrowFor} or {@code executeFor}) deposits {@code ratio} tokens when it starts; each retry on another
 * server, and each hedge, withdraws one; a reserve of {@code min-per-second x window} tokens is always there. So
 * over any window, retries and hedges stay within {@code ratio x calls + min-per-second x window}. Deposits and
 * withdrawals count for one window, kept in 10 slices: they expire a slice at a time.
 *
 * <p><b>Cost:</b> a deposit is one {@link LongAdder} increment: no clock, no lock, so the borrow and return path
 * stays as it was. The clock and a lock are for withdrawals only (a retry, which follows a failure). The
 * deposits are put in their slices when the next withdrawal comes, spread evenly over the time since the
 * withdrawal before (the calls' rate in between is taken as steady): what counts after a quiet time is the
 * share of the deposits that falls in the window.
 *
 * <p>Thread-safe. The counts behind {@link RetryStats} are kept here too.
 */
final class RetryBudget {

    /** The largest {@code retry.budget.ratio} (Finagle's limit). */
    static final double MAX_RATIO = 1000.0;
    static final int SLICES = 10;

    private final LongAdder calls = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder exhausted = new LongAdder();
    private final LongAdder hedges = new LongAdder();
    private final LongAdder hedgesWon = new LongAdder();
    private final LongAdder hedgesWithoutRoom = new LongAdder();
    private final double ratio;
    private final double reserve;
    private final long sliceNanos;
    private final NanoClock clock;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock: the ring of slices, the newest at current.
    private final double[] deposits = new double[SLICES];
    private final long[] withdrawals = new long[SLICES];
    private int current;
    private long currentEnds;
    private long accountedCalls;
    private long accountedAt;

    RetryBudget(RetryBudgetSettings settings, NanoClock clock) {
        this.ratio = settings.ratio();
        long windowNanos = settings.window().toNanos();
        this.reserve = settings.minPerSecond() * (double) windowNanos / TimeUnit.SECONDS.toNanos(1);
        this.sliceNanos = windowNanos / SLICES;
        this.clock = clock;
        long now = clock.nanoTime();
        this.accountedAt = now;
        this.currentEnds = now + sliceNanos;
    }

    /** A call that may retry starts: it deposits. The hot path: one striped counter. */
    void deposit() {
        calls.increment();
    }

    /** Takes a token for a retry on another server; counts the retry, or the refusal. */
    boolean tryRetry() {
        if (tryWithdraw()) {
            retries.increment();
            return true;
        }
        exhausted.increment();
        return false;
    }

    /** Takes a token for a hedge; counts it when there was one. */
    boolean tryHedge() {
        if (tryWithdraw()) {
            hedges.increment();
            return true;
        }
        return false;
    }

    /** A hedge was not made: no other server could lend a connection at once. */
    void hedgeWithoutRoom() {
        hedgesWithoutRoom.increment();
    }

    /**
     * A hedge that had its token was not made after all (the executor refused it, or, {@code withoutRoom}, the
     * servers open to it were full by the time it looked): the hedge is not counted and its token goes back.
     */
    void hedgeNotMade(boolean withoutRoom) {
        hedges.decrement();
        if (withoutRoom) {
            hedgesWithoutRoom.increment();
        }
        lock.lock();
        try {
            account(clock.nanoTime());
            if (withdrawals[current] > 0) {
                withdrawals[current]--; // an older slice's withdrawal ages out with its slice: near enough
            }
        } finally {
            lock.unlock();
        }
    }

    /** A hedge's answer was the call's. */
    void hedgeWon() {
        hedgesWon.increment();
    }

    /** The counts so far. */
    RetryStats stats() {
        return new RetryStats(calls.sum(), retries.sum(), exhausted.sum(), hedges.sum(), hedgesWon.sum(),
                hedgesWithoutRoom.sum());
    }

    /** The tokens there are now (for tests and messages). */
    double balance() {
        lock.lock();
        try {
            account(clock.nanoTime());
            return balanceNow();
        } finally {
            lock.unlock();
        }
    }

    private boolean tryWithdraw() {
        lock.lock();
        try {
            account(clock.nanoTime());
            if (balanceNow() < 1.0) {
                return false;
            }
            withdrawals[current]++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private double balanceNow() {
        double balance = reserve;
        for (int i = 0; i < SLICES; i++) {
            balance += ratio * deposits[i] - withdrawals[i];
        }
        return balance;
    }

    /** Moves the ring to {@code now} and spreads the deposits made since the last accounting over their time. */
    private void account(long now) {
        long steps = now < currentEnds ? 0 : (now - currentEnds) / sliceNanos + 1;
        if (steps >= SLICES) {
            java.util.Arrays.fill(deposits, 0);
            java.util.Arrays.fill(withdrawals, 0);
        } else {
            for (long i = 0; i < steps; i++) {
                current = (current + 1) % SLICES;
                deposits[current] = 0;
                withdrawals[current] = 0;
            }
        }
        currentEnds += steps * sliceNanos;
        long total = calls.sum();
        long fresh = total - accountedCalls;
        long from = accountedAt;
        accountedCalls = total;
        accountedAt = now;
        if (fresh == 0) {
            return;
        }
        long elapsed = now - from;
        if (elapsed <= 0) {
            deposits[current] += fresh;
            return;
        }
        for (int k = 0; k < SLICES; k++) { // slice k back from the newest covers [ends - (k+1) x slice, ends - k x slice)
            long sliceEnd = currentEnds - k * sliceNanos;
            long sliceStart = sliceEnd - sliceNanos;
            long overlap = Math.min(sliceEnd, now) - Math.max(sliceStart, from);
            if (overlap > 0) {
                deposits[Math.floorMod(current - k, SLICES)] += fresh * (double) overlap / elapsed;
            }
        }
    }

    @Override
    public String toString() {
        return "RetryBudget[ratio=" + ratio + ", reserve=" + reserve + ", window=" + sliceNanos * SLICES + " ns]";
    }
}
