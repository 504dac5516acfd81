package dev.connpool;

import java.util.Objects;

/**
 * The lending calls of {@link MultiPool}: {@code borrow}, {@code execute} and their key-affinity forms
 * ({@code serverFor}, {@code borrowFor}, {@code executeFor}), each handing the call to the part that runs it
 * ({@link AttemptLoop}, {@link ServerBorrower}, {@link AffinityRouter}). Package-private: users see these methods
 * as {@code MultiPool}'s own; {@code MultiPool} itself keeps membership, observation and closing.
 *
 * @param <C> the connection type
 */
abstract class PoolLending<C> {

    final ServerBorrower<C> borrower;
    final AttemptLoop<C> attempts;
    final AffinityRouter affinity;
    final HedgedExecute<C> hedged; // null when hedge.delay is off

    PoolLending(PoolParts<C> parts) {
        this.borrower = parts.borrower;
        this.attempts = parts.attempts;
        this.affinity = parts.affinity;
        this.hedged = parts.hedged;
    }

    // ---- borrowing -------------------------------------------------------------------------------------

    /**
     * Lends a connection to a server the balancer picks among the usable ones. A server that cannot be
     * connected to is charged a failure and the borrow moves on to another, after a back-off pause, if the
     * pool's retry budget gives a token (see {@link MultiPool.Builder#retryBudgetRatio(double)}); else the failure
     * is thrown at once.
     *
     * @return the lease; close it to give the connection back
     * @throws NoServerAvailableException when no server may be used
     * @throws ConnectFailedException     when every attempt failed to connect (earlier ones suppressed)
     * @throws PoolTimeoutException       when the chosen server had no free connection within max-wait
     * @throws PoolClosedException        after {@link MultiPool#close()}
     */
    public Lease<C> borrow() {
        return attempts.borrow();
    }

    /**
     * Lends a connection to {@code server} only (for sharding: the same key to the same server). One
     * attempt, no retry.
     *
     * @param server a server of this pool
     * @return the lease
     * @throws NoServerAvailableException when the server is not in the pool, ejected, draining, or on trial
     * @throws ConnectFailedException     when no connection could be made
     * @throws PoolTimeoutException       when no connection became free within max-wait
     * @throws PoolClosedException        after {@link MultiPool#close()}
     */
    public Lease<C> borrow(ServerAddress server) {
        return borrower.borrow(Objects.requireNonNull(server, "server"));
    }

    /**
     * Lends a newly opened connection to {@code server}, never an idle one: for when the idle ones may all
     * be dead (the server restarted). Counts against max-active like any other; when the server is full
     * of idle connections one of them is closed to make room.
     *
     * @param server a server of this pool
     * @return the lease on a new connection
     * @throws NoServerAvailableException when the server is not in the pool, ejected, draining, or on trial
     * @throws ConnectFailedException     when no connection could be made
     * @throws PoolTimeoutException       when the server had no room within max-wait
     * @throws PoolClosedException        after {@link MultiPool#close()}
     */
    public Lease<C> borrowNew(ServerAddress server) {
        return borrower.borrowNew(Objects.requireNonNull(server, "server"));
    }

    /**
     * Borrows a connection, runs {@code work} with it and gives it back. When {@code work} throws, the
     * factory's {@link ConnectionFactory#classify} says what the failure is about:
     * <ul>
     *   <li>{@link FailureKind#CONNECTION} on a connection reused from the pool: the server is not charged
     *       (the connection may have died while it sat idle); the connection is closed, and so are the
     *       server's idle connections last used no later than it, and the work runs once more, at once, on a
     *       newly opened connection to the same server. That second run is part of the same attempt.</li>
     *   <li>{@link FailureKind#CONNECTION} on a new connection, or {@link FailureKind#SERVER}: the connection
     *       is destroyed, the server charged one failure, and the work runs again on another server after a
     *       back-off pause, up to {@code retry.attempts} attempts in all (failures to connect count too).
     *       When they are spent, a {@link CallbackFailedException} (or the last {@link ConnectFailedException})
     *       says which servers were tried and why each failed.</li>
     *   <li>{@link FailureKind#WORK}: the connection goes back to the pool (connection and server are fine),
     *       nobody is charged, nothing is retried: a {@link RuntimeException} is rethrown as it is, a checked
     *       one wrapped in {@link CallbackFailedException}.</li>
     * </ul>
     * Each retry on another server takes a token from the pool's retry budget ({@code retry.budget.*}, see
     * {@link MultiPool.Builder#retryBudgetRatio(double)}); when there is none, the failure is thrown at once, of the
     * same type, its message ending with "not retried: the pool's retry budget is spent", and counted in
     * {@link RetryStats#budgetExhausted()}. The second run on a new connection to the same server takes no token.
     * With {@code hedge.delay} the call is hedged: see {@link MultiPool.Builder#hedgeDelay(HedgeDelay)}.
     * The work may thus run more than once, and, hedged, on two threads at once: it must be idempotent. Whatever
     * the classification, an
     * {@link Error}, an {@link InterruptedException} or any failure while the calling thread is interrupted
     * destroys the connection (its protocol state is unknown) without charging the server, and ends the call
     * (the interrupt flag stays set). Work that may leave a connection in the middle of an exchange without
     * an {@code IOException} should have its factory classify that failure as {@code CONNECTION}, or use
     * {@link #borrow()} and {@link Lease#discard()}.
     *
     * @param work what to do with the connection
     * @param <R>  the result type
     * @return what {@code work} returned
     * @throws CallbackFailedException when the last attempt's work failed, or the work threw a checked exception
     * @throws PoolException           as {@link #borrow()}
     */
    public <R> R execute(PoolCallback<C, R> work) {
        Objects.requireNonNull(work, "work");
        return hedged != null ? hedged.run(work, null) : attempts.run(work, null);
    }

    /**
     * {@link #execute(PoolCallback)} for work that needs to know its server (for logs, for keys): the work
     * is given the connection and the server it belongs to, on each run.
     *
     * @param work what to do with the connection and its server
     * @param <R>  the result type
     * @return what {@code work} returned
     * @throws CallbackFailedException when the last attempt's work failed, or the work threw a checked exception
     * @throws PoolException           as {@link #borrow()}
     */
    public <R> R execute(ServerCallback<C, R> work) {
        Objects.requireNonNull(work, "work");
        return hedged != null ? hedged.run(null, work) : attempts.run(null, work);
    }

    /**
     * {@link #execute(PoolCallback)} on {@code server} only, for sharding: the same classification, and the
     * second run on a newly opened connection when a reused one broke, but no other server: a failure that
     * charges the server (a failed connect, a {@link FailureKind#SERVER} failure, a broken new connection)
     * ends the call.
     *
     * @param server a server of this pool
     * @param work   what to do with the connection
     * @param <R>    the result type
     * @return what {@code work} returned
     * @throws NoServerAvailableException when the server is not in the pool, ejected, draining, or on trial
     * @throws ConnectFailedException     when no connection could be made
     * @throws CallbackFailedException    when the work failed and was not run again, or threw a checked exception
     * @throws PoolTimeoutException       when no connection became free within max-wait
     * @throws PoolClosedException        after {@link MultiPool#close()}
     */
    public <R> R execute(ServerAddress server, PoolCallback<C, R> work) {
        return attempts.runPinned(Objects.requireNonNull(server, "server"), Objects.requireNonNull(work, "work"));
    }

    // ---- key affinity --------------------------------------------------------------------------------------

    /**
     * Returns the server {@code key} goes to now: the one {@link #borrowFor(String)} and
     * {@link #executeFor(String, PoolCallback)} use. Each key has an <b>owner</b> ({@code affinity.algorithm}
     * places the keys on the servers; adding or removing a server moves only the keys it takes or gives away).
     * While the owner is ejected, probing or draining, the key goes to its <b>fallback</b>, the next server on
     * the ring (where it would go if its owner left the pool), and it comes back only once the owner has been
     * {@code ACTIVE} for {@code affinity.return-delay}: an owner that flaps moves its keys twice, not at each
     * flap. With {@code affinity.load-bound}, a server that would be busier than that factor times the mean is
     * passed over for the next. A text key is placed as its UTF-8 bytes. O(1) with {@code rendezvous},
     * O(log N) with {@code ketama}; allocation-free while the owner takes the key.
     *
     * @param key the key
     * @return the server
     * @throws NoServerAvailableException when the pool has no server that may be used
     */
    public ServerAddress serverFor(String key) {
        return affinity.serverFor(affinity.ring().hash(Objects.requireNonNull(key, "key")));
    }

    /**
     * {@link #serverFor(String)} for a binary key.
     *
     * @param key the key's bytes
     * @return the server
     * @throws NoServerAvailableException when the pool has no server that may be used
     */
    public ServerAddress serverFor(byte[] key) {
        return affinity.serverFor(affinity.ring().hash(Objects.requireNonNull(key, "key")));
    }

    /**
     * Lends a connection to the server {@code key} goes to now ({@link #serverFor(String)}). A failed connect
     * charges that server and is thrown, unless it ejected the server: then the key's next server is tried,
     * after a back-off pause, within {@code retry.attempts}. No other server is ever tried: a key's work goes
     * where its key goes, or nowhere.
     *
     * @param key the key
     * @return the lease
     * @throws NoServerAvailableException when the pool has no server that may be used
     * @throws ConnectFailedException     when no connection could be made
     * @throws PoolTimeoutException       when the key's server had no free connection within max-wait
     * @throws PoolClosedException        after {@link MultiPool#close()}
     */
    public Lease<C> borrowFor(String key) {
        return attempts.runFor(affinity, affinity.ring().hash(Objects.requireNonNull(key, "key")), null, null);
    }

    /**
     * {@link #borrowFor(String)} for a binary key.
     *
     * @param key the key's bytes
     * @return the lease
     * @throws PoolException as {@link #borrowFor(String)}
     */
    public Lease<C> borrowFor(byte[] key) {
        return attempts.runFor(affinity, affinity.ring().hash(Objects.requireNonNull(key, "key")), null, null);
    }

    /**
     * {@link #execute(PoolCallback)} on the server {@code key} goes to now ({@link #serverFor(String)}): the
     * same classification, and the second run on a newly opened connection to the same server when a reused
     * one broke. A failure that charges the server (a failed connect, a {@link FailureKind#SERVER} failure, a
     * broken new connection) is thrown, unless it ejected the server: then the work runs on the key's next
     * server, after a back-off pause, within {@code retry.attempts}. No server the key does not go to is ever
     * tried.
     *
     * @param key  the key
     * @param work what to do with the connection; it may run more than once, so it must be idempotent
     * @param <R>  the result type
     * @return what {@code work} returned
     * @throws CallbackFailedException when the work failed and was not run again, or threw a checked exception
     * @throws PoolException           as {@link #borrowFor(String)}
     */
    public <R> R executeFor(String key, PoolCallback<C, R> work) {
        long hash = affinity.ring().hash(Objects.requireNonNull(key, "key"));
        return attempts.runFor(affinity, hash, Objects.requireNonNull(work, "work"), null);
    }

    /**
     * {@link #executeFor(String, PoolCallback)} for a binary key.
     *
     * @param key  the key's bytes
     * @param work what to do with the connection
     * @param <R>  the result type
     * @return what {@code work} returned
     * @throws PoolException as {@link #executeFor(String, PoolCallback)}
     */
    public <R> R executeFor(byte[] key, PoolCallback<C, R> work) {
        long hash = affinity.ring().hash(Objects.requireNonNull(key, "key"));
        return attempts.runFor(affinity, hash, Objects.requireNonNull(work, "work"), null);
    }

    /**
     * {@link #executeFor(String, PoolCallback)} for work that needs to know its server (for logs, for an
     * answer that names it): the work is given the connection and the server it belongs to, on each run.
     *
     * @param key  the key
     * @param work what to do with the connection and its server
     * @param <R>  the result type
     * @return what {@code work} returned
     * @throws PoolException as {@link #executeFor(String, PoolCallback)}
     */
    public <R> R executeFor(String key, ServerCallback<C, R> work) {
        long hash = affinity.ring().hash(Objects.requireNonNull(key, "key"));
        return attempts.runFor(affinity, hash, null, Objects.requireNonNull(work, "work"));
    }

    /**
     * {@link #executeFor(String, ServerCallback)} for a binary key.
     *
     * @param key  the key's bytes
     * @param work what to do with the connection and its server
     * @param <R>  the result type
     * @return what {@code work} returned
     * @throws PoolException as {@link #executeFor(String, PoolCallback)}
     */
    public <R> R executeFor(byte[] key, ServerCallback<C, R> work) {
        long hash = affinity.ring().hash(Objects.requireNonNull(key, "key"));
        return attempts.runFor(affinity, hash, null, Objects.requireNonNull(work, "work"));
    }
}
