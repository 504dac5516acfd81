package dev.connpool;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Every error text of a pool, built in one place: the facade's, the attempt loop's, the lease lifecycle's,
 * the server registry's and the connection engine's (waiting, connecting, validating a new connection).
 * Setting errors are worded by {@link PoolSettings}. Each message starts with the pool's name. One
 * instance per pool, made by {@link MultiPool} and handed to every part that throws.
 */
final class PoolErrors {

    private final String pool;

    PoolErrors(String pool) {
        this.pool = pool;
    }

    String pool() {
        return pool;
    }

    PoolClosedException closed() {
        return new PoolClosedException(pool);
    }

    /** {@code server} is not a member; {@code members} are the servers it does have. */
    NoServerAvailableException noSuchServer(ServerAddress server, Set<ServerAddress> members) {
        return new NoServerAvailableException(pool, server, "pool '" + pool + "' has no server " + server
                + " (its servers: " + members + ")");
    }

    /** Why a borrow cannot use {@code entry} now. */
    NoServerAvailableException unusable(ServerEntry entry, long nowNanos) {
        ServerAddress server = entry.address;
        String why;
        switch (entry.state()) {
            case PROBING:
                why = " is on trial after an ejection; only its trial may reach it (the pool's own when the"
                        + " factory's probe is a round trip, else one borrow at a time)";
                break;
            case EJECTED:
                why = " is ejected for another " + Math.max(0, TimeUnit.NANOSECONDS.toMillis(
                        entry.ejectedUntilNanos - nowNanos)) + " ms after repeated failures (last: "
                        + entry.lastFailure() + ")";
                break;
            case DRAINING:
                why = " is being removed from the pool";
                break;
            default:
                why = " was ejected or removed while the borrow was under way";
                break;
        }
        return new NoServerAvailableException(pool, server, "pool '" + pool + "': server " + server + why);
    }

    /** No server may be used now; the failures of the attempts made so far (may be null) are told and attached. */
    NoServerAvailableException noServer(List<ServerEntry> all, List<PoolException> failures) {
        String why = all.isEmpty() ? "it has no servers" : "none of its " + all.size() + " server(s) may be used now "
                + all;
        return withSuppressed(new NoServerAvailableException(pool, null, "pool '" + pool + "': " + why
                + tried(failures)), failures);
    }

    /** The balancer broke its contract: it picked nothing from a non-empty list. */
    IllegalStateException balancerPickedNothing(Balancer balancer) {
        return new IllegalStateException("pool '" + pool + "': balancer " + balancer + " picked no server");
    }

    PoolException interruptedBetweenAttempts(List<PoolException> failures) {
        return withSuppressed(new PoolException(pool, null, "pool '" + pool
                + "': interrupted; no further attempt made" + tried(failures), null), failures);
    }

    PoolException interruptedWhileBackingOff(InterruptedException cause, List<PoolException> failures) {
        return withSuppressed(new PoolException(pool, null, "pool '" + pool
                + "': interrupted while backing off before a retry" + tried(failures), cause), failures);
    }

    /** The caller of a hedged execute was interrupted while its attempts ran on the hedge executor. */
    PoolException interruptedWhileHedging(InterruptedException cause) {
        return new PoolException(pool, null, "pool '" + pool + "': interrupted while waiting for a hedged execute;"
                + " its attempts go on and give their connections back when they end", cause);
    }

    /** The connect failed because this thread was interrupted (ClosedByInterruptException): not the server's fault. */
    PoolException interruptedWhileConnecting(ServerAddress server, ConnectFailedException cause) {
        return new PoolException(pool, server, "pool '" + pool + "': interrupted while connecting to " + server, cause);
    }

    /**
     * The work failed with a {@link FailureKind#SERVER} failure, or a {@link FailureKind#CONNECTION} failure on a
     * new connection, on attempt {@code attempt}: the connection was invalidated and the server charged.
     */
    CallbackFailedException workFailed(ServerAddress server, int attempt, int attempts, FailureKind kind,
                                       Exception cause) {
        String why = kind == FailureKind.SERVER ? "the server cannot serve" : "a new connection broke";
        return new CallbackFailedException(pool, server, "pool '" + pool + "': work on " + server + " failed (attempt "
                + attempt + " of " + attempts + "; " + why + ", " + server + " is charged): " + cause, cause);
    }

    /** The work threw a checked exception that is not retried ({@link FailureKind#WORK}, an interrupt). */
    CallbackFailedException workFailed(ServerAddress server, Exception cause) {
        return new CallbackFailedException(pool, server, "pool '" + pool + "': work on " + server + " failed: " + cause,
                cause);
    }

    /** A reused connection broke under the work ({@link FailureKind#CONNECTION}): not charged, run again on a new one. */
    CallbackFailedException reusedConnectionBroke(ServerAddress server, int retired, Exception cause) {
        return new CallbackFailedException(pool, server, "pool '" + pool + "': work on " + server
                + " failed on a reused connection, which broke (" + server + " is not charged; " + retired
                + " idle connection(s) used no later than it closed too; the work runs again on a new connection): "
                + cause, cause);
    }

    /**
     * What a call throws once its attempts are spent: the last failure, of its own type and with its cause,
     * its message followed by every earlier failure's (which servers were tried and why each failed), the
     * earlier failures attached as suppressed. A lone failure is thrown as it is.
     */
    PoolException attemptsFailed(List<PoolException> failures) {
        PoolException last = failures.get(failures.size() - 1);
        if (failures.size() == 1) {
            return last;
        }
        return rethrown(failures, "");
    }

    /**
     * The failure of a call that was not retried because the pool's retry budget is spent: the last failure's
     * type, its message ending with why no other server was tried, the earlier failures suppressed.
     */
    PoolException retryBudgetSpent(List<PoolException> failures, RetryBudgetSettings budget) {
        return rethrown(failures, "; not retried: the pool's retry budget is spent (retry.budget.ratio "
                + budget.ratio() + " of the calls + min-per-second " + budget.minPerSecond() + ", over "
                + budget.window().toSeconds() + " s)");
    }

    /** The last failure again, its message naming the earlier ones and ending with {@code note}. */
    private PoolException rethrown(List<PoolException> failures, String note) {
        PoolException last = failures.get(failures.size() - 1);
        List<PoolException> earlier = failures.subList(0, failures.size() - 1);
        String message = last.getMessage() + (earlier.isEmpty() ? "" : "; before: " + reasons(earlier)) + note;
        PoolException thrown;
        if (last instanceof ConnectFailedException) {
            thrown = new ConnectFailedException(pool, last.server(), message, last.getCause());
        } else if (last instanceof CallbackFailedException) {
            thrown = new CallbackFailedException(pool, last.server(), message, last.getCause());
        } else if (last instanceof NoServerAvailableException) {
            thrown = new NoServerAvailableException(pool, last.server(), message);
        } else {
            thrown = new PoolException(pool, last.server(), message, last.getCause());
        }
        earlier.forEach(thrown::addSuppressed);
        for (Throwable suppressed : last.getSuppressed()) {
            thrown.addSuppressed(suppressed);
        }
        return thrown;
    }

    /** "; tried: (1) ... (2) ..." for the failures so far, or nothing. */
    private String tried(List<PoolException> failures) {
        return failures == null || failures.isEmpty() ? "" : "; tried: " + reasons(failures);
    }

    /** Each failure's message without the pool's name, numbered: which server, and why. */
    private String reasons(List<PoolException> failures) {
        String prefix = "pool '" + pool + "': ";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < failures.size(); i++) {
            String message = String.valueOf(failures.get(i).getMessage());
            text.append(i == 0 ? "" : "; ").append('(').append(i + 1).append(") ")
                    .append(message.startsWith(prefix) ? message.substring(prefix.length()) : message);
        }
        return text.toString();
    }

    /** borrowNew took max-active + 1 connections and every one was an idle one. */
    ConnectFailedException noNewConnection(ServerAddress server) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': could not get a new connection to "
                + server + " past its idle ones", null);
    }

    // ---- the connection engine: waiting and connecting ----------------------------------------------

    /** A borrower waiting for a connection to {@code server} was interrupted (the pool is not closing). */
    PoolException interruptedWhileWaiting(ServerAddress server, InterruptedException cause) {
        return new PoolException(pool, server, "pool '" + pool + "': interrupted while waiting for a connection to "
                + server, cause);
    }

    /** No connection to the server became free within max-wait; the server's counts at the time are given. */
    PoolTimeoutException waitTimedOut(ServerAddress server, Duration waited, Duration maxWait, int active, int idle,
                                      int waiting, int maxActive) {
        return new PoolTimeoutException(pool, server, waited, "pool '" + pool + "': no connection to " + server
                + " became free within max-wait " + maxWait.toMillis() + " ms (waited " + waited.toMillis()
                + " ms; active " + active + ", idle " + idle + ", waiting " + waiting + ", max-active " + maxActive
                + ")");
    }

    /** A new connection failed validate-on-borrow ({@code cause}, may be null: the factory said no). */
    ConnectFailedException newConnectionInvalid(ServerAddress server, Throwable cause) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': a new connection to " + server
                + " failed validation", cause);
    }

    /** The factory's probe of a new connection failed: the server did not answer as it should. */
    ConnectFailedException probeNotAnswered(ServerAddress server, Throwable cause) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': server " + server
                + " did not answer the probe on a new connection" + (cause == null ? "" : ": " + cause), cause);
    }

    /** A connect was to start for a server that has left the pool meanwhile. */
    ConnectFailedException serverGone(ServerAddress server) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': server " + server
                + " is no longer in the pool", null);
    }

    /** A connect was to start for a server that is ejected or draining. */
    NoServerAvailableException noConnectionWhile(ServerAddress server, ServerState state) {
        return new NoServerAvailableException(pool, server, "pool '" + pool + "': server " + server + " is "
                + state.name().toLowerCase(Locale.ROOT) + "; no new connection is made to it");
    }

    /** The factory's connect threw {@code cause}. */
    ConnectFailedException connectFailed(ServerAddress server, Exception cause) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': could not connect to " + server
                + ": " + cause, cause);
    }

    /** The factory's connect returned null. */
    ConnectFailedException factoryReturnedNull(ServerAddress server, ConnectionFactory<?> factory) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': connection factory " + factory
                + " returned null for " + server, null);
    }

    /** Opening a connection threw a checked exception that is not the factory's (commons-pool2's own). */
    ConnectFailedException couldNotGetConnection(ServerAddress server, Throwable cause) {
        return new ConnectFailedException(pool, server, "pool '" + pool + "': could not get a connection to "
                + server + ": " + cause, cause);
    }

    // ---- leases and settings ------------------------------------------------------------------------

    /** The lease was closed, invalidated or forced closed by the pool's shutdown. */
    IllegalStateException leaseClosed(ServerAddress server) {
        return new IllegalStateException("pool '" + pool + "': this lease of a connection to " + server
                + " is closed; borrow again");
    }

    IllegalArgumentException negativeRetainIdle(int perServer) {
        return new IllegalArgumentException("pool '" + pool + "': retainIdle needs a count >= 0, got " + perServer);
    }

    /** A factory whose {@code probeIsRoundTrip()} says yes while its {@code probe} is the inherited one. */
    static String probeInherited(ConnectionFactory<?> factory) {
        return "factory " + factory + " (" + factory.getClass().getName() + ") says probeIsRoundTrip() but does not"
                + " override probe(server, connection), which then only validates: a hung server would be let back"
                + " in. Override probe with a round trip the server must answer, or leave probeIsRoundTrip() false";
    }

    /** Rethrows {@code failure} when it is one (it can only be an {@link Error} or a {@link RuntimeException}). */
    static void rethrowUnchecked(Throwable failure) {
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
    }

    private static <E extends Throwable> E withSuppressed(E error, List<PoolException> failures) {
        if (failures != null) {
            failures.forEach(error::addSuppressed);
        }
        return error;
    }
}
