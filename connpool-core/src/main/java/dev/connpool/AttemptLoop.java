package dev.connpool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The attempt loop of {@link MultiPool#borrow()} and {@link MultiPool#execute(PoolCallback)}: pick a server
 * not tried yet in this call, make one {@link ServerAttempt} on it (borrow, run the work, judge its failure),
 * and when the attempt failed (a failed connect, a {@link FailureKind#SERVER} failure or a broken new
 * connection, each charged to the server) back off and fail over to another server, up to
 * {@code retry.attempts} attempts. {@link #runPinned} makes the one attempt of the pinned
 * {@link MultiPool#execute(ServerAddress, PoolCallback)}, {@link #runFor} those of {@code borrowFor} and
 * {@code executeFor}, on the server the key goes to. When the attempts are spent, the error thrown says
 * which servers were tried and why each failed ({@link PoolErrors#attemptsFailed}), the earlier failures
 * attached as suppressed.
 *
 * <p>Every call of {@link #run} and {@link #runFor} deposits into the pool's {@link RetryBudget}; every retry on
 * another server withdraws from it, and when it is spent the failure reaches the caller at once
 * ({@link PoolErrors#retryBudgetSpent}). The second run of the work on a new connection to the same server
 * ({@link ServerAttempt}, after a reused connection broke) is part of its attempt and takes nothing from the
 * budget: it charges nobody, it is at most one per attempt, and it is what makes a pool whose idle connections
 * all died (the server restarted) work at once. The pinned calls make one attempt and neither deposit nor withdraw.
 */
final class AttemptLoop<C> {

    private final PoolErrors errors;
    private final ServerRegistry registry;
    private final ServerBorrower<C> borrower;
    private final ServerAttempt<C> serverAttempt;
    private final Shutdown<C> shutdown;
    private final ServerPicker picker;
    private final Backoff backoff;
    private final int attempts;
    private final NanoClock clock;
    private final RetryBudget budget;
    private final RetryBudgetSettings budgetSettings;
    /** Where a hedged call's attempts find a connection without waiting ({@link HedgedExecute}). */
    final HedgeRoom<C> room;

    @SuppressWarnings("java:S107") // the parts of the pool it works with, built before it
    AttemptLoop(PoolSettings settings, PoolErrors errors, ServerRegistry registry, ServerBorrower<C> borrower,
                ServerPicker picker, ConnectionFactory<C> factory, Shutdown<C> shutdown, NanoClock clock,
                RetryBudget budget) {
        this.errors = errors;
        this.registry = registry;
        this.borrower = borrower;
        this.serverAttempt = new ServerAttempt<>(errors, borrower, factory, clock);
        this.shutdown = shutdown;
        this.picker = picker;
        this.backoff = new Backoff(settings.retry().backoff().min(), settings.retry().backoff().max(), settings.retry().backoff().factor(),
                settings.retry().backoff().jitter());
        this.attempts = settings.retry().attempts();
        this.clock = clock;
        this.budget = budget;
        this.budgetSettings = settings.retry().budget();
        this.room = new HedgeRoom<>(registry, borrower, serverAttempt, settings.balancer(),
                settings.ejection().consecutiveFailures(), attempts);
    }

    /**
     * {@link MultiPool#borrow()}. The common case, the balancer's first pick lending a connection, takes a
     * short way with nothing but what that case needs: small enough for the JIT to inline where the general
     * loop is too big to, and free of its bookkeeping. Anything else (a failed connect, a server ejected or
     * removed meanwhile) goes on in the general loop ({@link #loop}) exactly as if it had run from the start.
     */
    PooledLease<C> borrow() {
        shutdown.ensureOpen();
        budget.deposit();
        ServerEntry entry = picker.pick(null, 0); // may take a probing server's trial permit
        if (entry == null) {
            throw errors.noServer(registry.all(), null);
        }
        PooledLease<C> lease;
        try {
            lease = borrower.lend(entry); // gives up or passes on the permit
        } catch (ConnectFailedException e) { // the borrower charged the server: the loop fails over
            return loop(null, null, null, entry, new ServerAttempt.Failed(e, null));
        }
        return lease != null ? lease : loop(null, null, null, null, null); // skipped: as if from the start
    }

    /**
     * Runs the loop. The work is {@code plain} or {@code told}, whichever is not null; with neither the
     * result is the lease ({@link MultiPool#borrow()}).
     */
    <R> R run(PoolCallback<C, R> plain, ServerCallback<C, R> told) {
        return run(plain, told, null);
    }

    /**
     * Runs the loop for the first side of a hedged execute ({@link HedgedExecute}), or for a plain call when
     * {@code side} is null. A side publishes the server it is on, and does not wait on a full server while
     * another has room ({@link HedgeRoom#roomier}). The hedge's side does not come here ({@link HedgeRoom#hedge}).
     */
    <R> R run(PoolCallback<C, R> plain, ServerCallback<C, R> told, HedgedExecute.Side side) {
        shutdown.ensureOpen();
        budget.deposit();
        return loop(plain, told, side, null, null);
    }

    /**
     * The attempts of {@link #run}, from the first one, or, with {@code firstFailed}, from the failure of a
     * first attempt already made on {@code firstEntry} ({@link #borrow()}'s).
     */
    @SuppressWarnings("unchecked")
    private <R> R loop(PoolCallback<C, R> plain, ServerCallback<C, R> told, HedgedExecute.Side side,
                       ServerEntry firstEntry, ServerAttempt.Failed firstFailed) {
        ServerEntry[] tried = null;
        int triedCount = 0;
        List<PoolException> failures = null;
        int n = 1;
        if (firstFailed != null) {
            failures = add(null, firstFailed);
            tried = remember(tried, triedCount++, firstEntry);
            retryOrThrow(n++, failures);
        }
        for (; ; n++) {
            ServerEntry entry = picker.pick(tried, triedCount); // may take a probing server's trial permit
            if (entry == null) {
                throw errors.noServer(registry.all(), failures);
            }
            if (side != null) {
                entry = room.roomier(entry, tried, triedCount); // a hedged call: not behind a full server
                side.current = entry;
            }
            Object outcome = serverAttempt.run(entry, plain, told, n, attempts); // gives up or passes on the permit
            if (outcome == ServerAttempt.SKIPPED) { // ejected or removed while we borrowed: out of the usable list now
                n--;
                continue;
            }
            if (!(outcome instanceof ServerAttempt.Failed failed)) {
                return (R) outcome;
            }
            failures = add(failures, failed);
            tried = remember(tried, triedCount++, entry);
            retryOrThrow(n, failures);
        }
    }

    /**
     * After attempt {@code n} failed: throws when no other attempt may follow (the attempts are spent, the
     * thread is interrupted, the retry budget is spent), else backs off.
     */
    private void retryOrThrow(int n, List<PoolException> failures) {
        if (n >= attempts) {
            throw errors.attemptsFailed(failures);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw errors.interruptedBetweenAttempts(failures);
        }
        if (!budget.tryRetry()) {
            throw errors.retryBudgetSpent(failures, budgetSettings);
        }
        pause(n, failures);
    }

    /**
     * The attempts of {@code borrowFor} (no work: the result is the lease) and {@code executeFor} (the work is
     * {@code plain} or {@code told}, whichever is not null): each on the
     * server the key goes to now ({@link AffinityRouter#pick}), with {@code execute}'s classification and its
     * second run on a new connection. A failed attempt is retried (after a back-off pause, within
     * {@code retry.attempts}) only when the key goes to another server now, because the failure ejected its
     * server: never on a server that failed it already, never on a server the key does not go to.
     */
    @SuppressWarnings("unchecked")
    <R> R runFor(AffinityRouter router, long hash, PoolCallback<C, R> plain, ServerCallback<C, R> told) {
        shutdown.ensureOpen();
        budget.deposit();
        ServerEntry[] tried = null;
        List<PoolException> failures = null;
        for (int n = 1; ; n++) {
            ServerEntry entry = router.pick(hash, true); // may take a probing server's trial permit
            if (entry == null) {
                throw errors.noServer(registry.all(), failures);
            }
            if (contains(tried, n - 1, entry)) { // the key went back to a server that failed it meanwhile
                if (entry.ownsTrial()) {
                    registry.trialAbandoned(entry);
                }
                throw errors.attemptsFailed(failures);
            }
            Object outcome = serverAttempt.run(entry, plain, told, n, attempts); // gives up or passes on the permit
            if (outcome == ServerAttempt.SKIPPED) { // ejected or removed while we borrowed: the key goes elsewhere
                n--;
                continue;
            }
            if (!(outcome instanceof ServerAttempt.Failed failed)) {
                return (R) outcome;
            }
            failures = add(failures, failed);
            tried = remember(tried, n - 1, entry);
            ServerEntry next = router.pick(hash, false);
            if (n >= attempts || next == null || contains(tried, n, next)) {
                throw errors.attemptsFailed(failures); // no other server takes the key: the failure is the answer
            }
            if (Thread.currentThread().isInterrupted()) {
                throw errors.interruptedBetweenAttempts(failures);
            }
            if (!budget.tryRetry()) {
                throw errors.retryBudgetSpent(failures, budgetSettings);
            }
            pause(n, failures);
        }
    }

    private static boolean contains(ServerEntry[] tried, int count, ServerEntry entry) {
        for (int i = 0; i < count; i++) {
            if (tried[i] == entry) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pinned execute: one attempt on {@code server} (with its second run on a new connection when a
     * reused one broke), no failover.
     *
     * @throws NoServerAvailableException when the server is not a member, ejected, draining, or on trial
     */
    @SuppressWarnings("unchecked")
    <R> R runPinned(ServerAddress server, PoolCallback<C, R> work) {
        shutdown.ensureOpen();
        ServerEntry entry = borrower.usableEntry(server); // may take a probing server's trial permit
        Object outcome = serverAttempt.run(entry, work, null, 1, 1);
        if (outcome == ServerAttempt.SKIPPED) {
            throw errors.unusable(entry, clock.nanoTime());
        }
        if (outcome instanceof ServerAttempt.Failed failed) {
            throw errors.attemptsFailed(add(null, failed));
        }
        return (R) outcome;
    }

    private List<PoolException> add(List<PoolException> failures, ServerAttempt.Failed failed) {
        List<PoolException> list = failures == null ? new ArrayList<>(attempts + 1) : failures;
        if (failed.brokenReused() != null) {
            list.add(failed.brokenReused());
        }
        list.add(failed.failure());
        return list;
    }

    private void pause(int attempt, List<PoolException> failures) {
        long nanos = backoff.delayNanos(attempt, ThreadLocalRandom.current().nextDouble());
        if (nanos <= 0) {
            return;
        }
        try {
            clock.sleepNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interruptedWhileBackingOff(e, failures);
        }
        shutdown.ensureOpen();
    }

    private ServerEntry[] remember(ServerEntry[] tried, int count, ServerEntry entry) {
        ServerEntry[] array = tried == null ? new ServerEntry[attempts + 1] : tried;
        array[count] = entry;
        return array;
    }
}
