package dev.connpool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of {@link AttemptLoop} on one server: lend a connection, run the work, and when the work fails,
 * judge the failure and decide who pays for it. The factory's {@link ConnectionFactory#classify} says what a
 * failure is about:
 * <ul>
 *   <li>{@link FailureKind#WORK}: the connection goes back to the pool and the failure to the caller, as it
 *       is when unchecked, in a {@link CallbackFailedException} when checked. Not retried, nobody charged.</li>
 *   <li>{@link FailureKind#CONNECTION} on a connection <b>reused</b> from the pool: it may have died while it
 *       sat idle, the server is not charged. The connection is discarded, and with it the server's idle
 *       connections last used no later than it ({@link LeaseLifecycle#brokenAfterReuse}); then the work runs
 *       once more, at once, on a <b>newly opened</b> connection to the same server. That second run is part
 *       of the same attempt (so {@code retry.attempts} counts the servers tried, and the work runs at most
 *       twice per attempt).</li>
 *   <li>{@link FailureKind#CONNECTION} on a new connection, or {@link FailureKind#SERVER}: the connection is
 *       invalidated and the server charged; the attempt failed ({@link Failed}) and the loop moves on to
 *       another server. A failed connect (the borrower charged it) ends the attempt the same way.</li>
 * </ul>
 * Whatever the classification, a failure while the calling thread is interrupted (or an
 * {@link InterruptedException}) discards the connection and ends the call, nobody charged; an {@link Error}
 * discards it and is rethrown; a {@code classify} that throws discards it and the work's failure is thrown
 * with that one attached.
 */
final class ServerAttempt<C> {

    /**
     * An attempt that failed in a way the loop may retry elsewhere: {@code failure} (the server was charged,
     * or left the pool meanwhile), after {@code brokenReused}, the failure of a reused connection that broke
     * first (not charged; null when there was none).
     */
    record Failed(PoolException failure, PoolException brokenReused) {
    }

    /** The server was ejected or removed while the attempt borrowed: no attempt was made. */
    static final Object SKIPPED = new Object();

    /** The server had no connection to lend at once ({@link #runAtOnce}): no attempt was made. */
    static final Object NO_ROOM = new Object();

    private static final Logger log = LoggerFactory.getLogger(ServerAttempt.class);

    private final PoolErrors errors;
    private final ServerBorrower<C> borrower;
    private final ConnectionFactory<C> factory;
    private final NanoClock clock;

    ServerAttempt(PoolErrors errors, ServerBorrower<C> borrower, ConnectionFactory<C> factory, NanoClock clock) {
        this.errors = errors;
        this.borrower = borrower;
        this.factory = factory;
        this.clock = clock;
    }

    /**
     * Runs one attempt on {@code entry} (whose trial permit the caller may hold). The work is {@code plain} or
     * {@code told}, whichever is not null; with neither, the lease itself is the outcome (a borrow).
     *
     * @return the lease (no work), the work's result, {@link #SKIPPED}, or a {@link Failed}
     */
    Object run(ServerEntry entry, PoolCallback<C, ?> plain, ServerCallback<C, ?> told, int attempt, int attempts) {
        PooledLease<C> lease;
        try {
            lease = borrower.lend(entry);
        } catch (ConnectFailedException e) {
            return new Failed(e, null); // the borrower charged the server
        }
        if (lease == null) {
            return SKIPPED;
        }
        if (plain == null && told == null) {
            return lease;
        }
        return runWork(entry, lease, plain, told, attempt, attempts, true);
    }

    /**
     * {@link #run}, for the hedge of a hedged execute: on a connection of {@code entry} (active) that can be had
     * at once, never waiting for one ({@link ServerBorrower#lendNow}).
     *
     * @return the work's result, {@link #NO_ROOM} (also when the server left meanwhile), or a {@link Failed}
     */
    Object runAtOnce(ServerEntry entry, PoolCallback<C, ?> plain, ServerCallback<C, ?> told, int attempt, int attempts) {
        PooledLease<C> lease;
        try {
            lease = borrower.lendNow(entry);
        } catch (ConnectFailedException e) {
            return new Failed(e, null); // the borrower charged the server
        }
        if (lease == null) {
            return NO_ROOM;
        }
        return runWork(entry, lease, plain, told, attempt, attempts, true);
    }

    private Object runWork(ServerEntry entry, PooledLease<C> lease, PoolCallback<C, ?> plain,
                           ServerCallback<C, ?> told, int attempt, int attempts, boolean mayRenew) {
        Object result;
        try {
            C connection = lease.connection();
            result = told != null ? told.apply(connection, entry.address) : plain.apply(connection);
        } catch (Exception e) {
            return failed(entry, lease, plain, told, e, attempt, attempts, mayRenew);
        } catch (Throwable t) { // an Error, or a Throwable that is neither: the connection's state is unknown
            lease.discard();
            throw t;
        }
        lease.close();
        return result;
    }

    private Object failed(ServerEntry entry, PooledLease<C> lease, PoolCallback<C, ?> plain, ServerCallback<C, ?> told,
                          Exception failure, int attempt, int attempts, boolean mayRenew) {
        if (failure instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
            lease.discard(); // the caller's interrupt: nobody's fault, no retry
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw asThrown(entry.address, failure);
        }
        FailureKind kind = classify(entry.address, lease, failure);
        if (kind == FailureKind.WORK) {
            lease.close(); // connection and server are fine
            throw asThrown(entry.address, failure);
        }
        if (kind == FailureKind.CONNECTION && mayRenew && lease.reused()) {
            int retired = lease.discardBroken();
            PoolException broken = errors.reusedConnectionBroke(entry.address, retired, failure);
            log.debug("pool '{}': a reused connection to {} broke ({}); {} idle connection(s) used no later than it"
                    + " closed; running the work again on a new connection", errors.pool(), entry.address, failure,
                    retired);
            return renew(entry, plain, told, broken, attempt, attempts);
        }
        lease.invalidate(failure); // a new connection broke, or the server cannot serve: the server is charged
        return new Failed(errors.workFailed(entry.address, attempt, attempts, kind, failure), null);
    }

    /** The work's second run, on a newly opened connection to the same server, after a reused one broke. */
    private Object renew(ServerEntry entry, PoolCallback<C, ?> plain, ServerCallback<C, ?> told, PoolException broken,
                         int attempt, int attempts) {
        PooledLease<C> lease;
        try {
            lease = borrower.lendNew(entry);
        } catch (ConnectFailedException e) {
            return new Failed(e, broken); // the borrower charged the server
        } catch (RuntimeException | Error e) { // a timeout, the pool closed, an interrupt: not retried
            e.addSuppressed(broken);
            throw e;
        }
        if (lease == null) { // ejected or removed meanwhile: nobody charged, another server may serve
            return new Failed(errors.unusable(entry, clock.nanoTime()), broken);
        }
        Object outcome = runWork(entry, lease, plain, told, attempt, attempts, false);
        if (outcome instanceof Failed failed) {
            return new Failed(failed.failure(), broken);
        }
        return outcome;
    }

    /** The factory's verdict on {@code failure}; null is WORK. A classify that throws discards the lease and ends the call. */
    private FailureKind classify(ServerAddress server, PooledLease<C> lease, Exception failure) {
        FailureKind kind;
        try {
            kind = factory.classify(server, failure);
        } catch (Throwable t) {
            lease.discard(); // no verdict: the connection goes, nobody is charged, nothing is retried
            if (t instanceof Error error) {
                error.addSuppressed(failure);
                throw error;
            }
            failure.addSuppressed(t);
            throw asThrown(server, failure);
        }
        return kind != null ? kind : FailureKind.WORK;
    }

    /** What the caller gets for a failure that is not retried: unchecked as it is, checked wrapped. */
    private RuntimeException asThrown(ServerAddress server, Exception failure) {
        if (failure instanceof RuntimeException unchecked) {
            return unchecked;
        }
        return errors.workFailed(server, failure);
    }
}
