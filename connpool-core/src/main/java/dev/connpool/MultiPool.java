package dev.connpool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools connections to a set of backend servers: one commons-pool2 pool per server, a {@link Balancer}
 * to pick a healthy server on each borrow, retries with exponential back-off on another server when a
 * connection cannot be made, and ejection of servers that keep failing.
 *
 * <pre>{@code
 * MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder().build())
 *         .name("orders")
 *         .servers(List.of(ServerAddress.parse("10.0.0.1:9090"), ServerAddress.parse("10.0.0.2:9090")))
 *         .build();
 * try (Lease<SocketConnection> lease = pool.borrow()) {
 *     lease.connection().output().write(request);
 * }
 * String reply = pool.execute(c -> c.roundTrip("PING"));   // a broken connection or server: retried
 * pool.close();
 * }</pre>
 *
 * <p><b>Thread safety:</b> every method may be called from any thread. Borrowing and returning an idle
 * connection take no lock; only opening and closing a connection do (commons-pool2's per-server books).
 *
 * <p><b>Time bounds:</b> one borrow attempt waits at most {@code max-wait} for a free connection plus
 * the time the factory takes to connect (its connect timeout). {@link #borrow()} and
 * {@link #execute(PoolCallback)} make at most {@code retry.attempts} attempts with a back-off pause of
 * at most {@code retry.backoff.max} between two; so a borrow returns or fails within
 * {@code attempts x (max-wait + connect timeout) + (attempts - 1) x backoff.max}. An attempt of
 * {@code execute} runs the work at most twice: the second time on a new connection to the same server, when
 * a reused one broke, for which it may wait max-wait again. So an attempt of {@code execute} takes at most
 * {@code 2 x max-wait + connect timeout + 2 x the work's time}.
 *
 * <p><b>Errors</b> are unchecked {@link PoolException}s. A failure to connect is retried on a server not
 * yet tried in this borrow while one exists; once the attempts are spent, the last failure is thrown, its
 * message naming every server tried and why each failed, the earlier failures attached as suppressed
 * exceptions. A {@link PoolTimeoutException} (every connection of the chosen server in use for
 * {@code max-wait}) is not retried.
 *
 * <p><b>Who is charged</b> for a failure inside {@code execute} is what the factory's
 * {@link ConnectionFactory#classify} says: see {@link #execute(PoolCallback)}. Never charged: a borrow that
 * timed out (the pool was full), the caller's interrupt, a {@link FailureKind#WORK} failure,
 * {@link Lease#discard()}.
 *
 * <p><b>Inside</b> (package-private, for maintainers): {@code AttemptLoop} runs the attempts of
 * {@code borrow()} and {@code execute()}, {@code ServerBorrower} borrows from one server,
 * {@code LeaseLifecycle} follows each lease until it is back, {@code Shutdown} closes,
 * {@code ServerRegistry} keeps the servers' health (its rules in an {@code EjectionPolicy}),
 * {@code ConnectionEngine} holds the connections, {@code AffinityRouter} places keys on servers (over a
 * {@code HashRing}) and {@code Housekeeper} works in the background;
 * {@code PoolErrors} words the errors.
 *
 * @param <C> the connection type
 */
public final class MultiPool<C> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MultiPool.class);

    private final String name;
    private final PoolSettings settings;
    private final NanoClock clock;
    private final PoolErrors errors;
    private final Listeners listeners;
    private final ServerRegistry registry;
    private final ConnectionEngine<C> engine;
    private final Shutdown<C> shutdown;
    private final LeaseLifecycle<C> leases;
    private final ServerBorrower<C> borrower;
    private final AttemptLoop<C> attempts;
    private final AffinityRouter affinity;

    private MultiPool(PoolSettings settings, ConnectionFactory<C> factory, List<PoolListener> listeners,
                      PoolMetrics metrics, NanoClock clock, HousekeepingScheduler scheduler, Random random) {
        this.name = settings.name();
        this.settings = settings;
        this.clock = clock;
        this.errors = new PoolErrors(name);
        this.listeners = new Listeners(name, listeners);
        ServerMembers members = new ServerMembers(); // built in one direction: see Housekeeper
        SlowStart slowStart = new SlowStart(settings, clock);
        this.engine = new ConnectionEngine<>(settings, errors, factory, members, this.listeners, clock, slowStart);
        Housekeeper housekeeper = new Housekeeper(settings, members, engine, clock, this.listeners,
                scheduler != null ? scheduler : HousekeepingScheduler.thread(name), random, slowStart);
        this.registry = new ServerRegistry(settings, errors, clock, this.listeners, members, housekeeper,
                factory::classify, EjectionPolicy.of(settings, clock), slowStart);
        this.shutdown = new Shutdown<>(settings, errors, registry, engine, housekeeper, clock);
        this.leases = new LeaseLifecycle<>(settings, errors, registry, engine, shutdown, clock);
        this.borrower = new ServerBorrower<>(settings, errors, registry, engine, leases, shutdown, metrics, clock);
        this.attempts = new AttemptLoop<>(settings, errors, registry, borrower, factory, shutdown, clock);
        this.affinity = new AffinityRouter(settings.affinity(), registry, errors, clock);
        settings.servers().forEach(registry::add);
        slowStart.arm(); // the initial servers start at full share; those that join or come back ramp
        housekeeper.start(registry);
        log.info("pool '{}' started: {} server(s), max-active {} per server, balancer {}", name,
                settings.servers().size(), settings.limits().maxActive(), settings.balancer());
    }

    /** Whether {@code server}'s borrowers wait in strict order now (see {@link WaitQueue}); for tests. */
    boolean starving(ServerAddress server) {
        return engine.starving(registry.member(server));
    }

    /**
     * Starts building a pool of the connections {@code factory} makes.
     *
     * @param factory makes, checks and closes connections
     * @param <C>     the connection type
     * @return a builder with every setting at its default
     */
    public static <C> Builder<C> builder(ConnectionFactory<C> factory) {
        return new Builder<>(Objects.requireNonNull(factory, "factory"));
    }

    /**
     * Returns the pool's name, as used in logs, errors, metrics and health.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the pool's effective settings: what was configured, with every default filled in.
     *
     * @return the immutable settings
     */
    public PoolSettings settings() {
        return settings;
    }

    // ---- borrowing -------------------------------------------------------------------------------------

    /**
     * Lends a connection to a server the balancer picks among the usable ones. A server that cannot be
     * connected to is charged a failure and the borrow moves on to another, after a back-off pause.
     *
     * @return the lease; close it to give the connection back
     * @throws NoServerAvailableException when no server may be used
     * @throws ConnectFailedException     when every attempt failed to connect (earlier ones suppressed)
     * @throws PoolTimeoutException       when the chosen server had no free connection within max-wait
     * @throws PoolClosedException        after {@link #close()}
     */
    public Lease<C> borrow() {
        return attempts.run(null, null);
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
     * @throws PoolClosedException        after {@link #close()}
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
     * @throws PoolClosedException        after {@link #close()}
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
     * The work may thus run more than once: it must be idempotent. Whatever the classification, an
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
        return attempts.run(Objects.requireNonNull(work, "work"), null);
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
        return attempts.run(null, Objects.requireNonNull(work, "work"));
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
     * @throws PoolClosedException        after {@link #close()}
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
     * @throws PoolClosedException        after {@link #close()}
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

    // ---- servers -------------------------------------------------------------------------------------------

    /**
     * Returns the servers of the pool, draining ones excepted, in the order they joined.
     *
     * @return an immutable snapshot
     */
    public Set<ServerAddress> servers() {
        return registry.addresses();
    }

    /**
     * Adds a server; a draining one is taken back. Its min-idle is filled in the background.
     *
     * @param server the server
     * @throws PoolClosedException after {@link #close()}
     */
    public void addServer(ServerAddress server) {
        shutdown.ensureOpen();
        if (registry.add(Objects.requireNonNull(server, "server"))) {
            affinity.membershipChanged();
        }
    }

    /**
     * Removes a server: no new leases, its idle connections are closed now, its leased ones when they come
     * back.
     *
     * @param server the server
     * @return whether it was in the pool
     * @throws PoolClosedException after {@link #close()}
     */
    public boolean removeServer(ServerAddress server) {
        shutdown.ensureOpen();
        boolean removed = registry.remove(Objects.requireNonNull(server, "server"));
        if (removed) {
            affinity.membershipChanged();
        }
        return removed;
    }

    /**
     * Makes the pool's servers exactly {@code servers}: adds the new ones and drains the ones not listed.
     *
     * @param servers the wanted servers
     * @throws PoolClosedException after {@link #close()}
     */
    public void updateServers(Collection<ServerAddress> servers) {
        shutdown.ensureOpen();
        Set<ServerAddress> wanted = new LinkedHashSet<>(servers);
        boolean changed = false;
        for (ServerEntry entry : registry.all()) {
            if (!wanted.contains(entry.address)) {
                changed |= registry.remove(entry.address);
            }
        }
        for (ServerAddress server : wanted) {
            changed |= registry.add(server);
        }
        if (changed) {
            affinity.membershipChanged(); // once for the whole change
        }
    }

    /**
     * Ejects a server now, as if it had failed too often (an operator's action): no borrow reaches it for
     * its next ejection time, its idle connections are closed, and it comes back through a trial as usual.
     *
     * @param server a server of this pool
     * @return whether it was ejected: false when it was not usable anyway, or when ejecting it would leave
     *         the pool without a usable server
     * @throws NoServerAvailableException when the server is not in the pool
     * @throws PoolClosedException        after {@link #close()}
     */
    public boolean eject(ServerAddress server) {
        shutdown.ensureOpen();
        return registry.ejectNow(registry.member(Objects.requireNonNull(server, "server")));
    }

    /**
     * Re-admits an ejected or probing server now, without a trial (an operator's action).
     *
     * @param server a server of this pool
     * @return whether it was re-admitted: false when it was not ejected or probing
     * @throws NoServerAvailableException when the server is not in the pool
     * @throws PoolClosedException        after {@link #close()}
     */
    public boolean readmit(ServerAddress server) {
        shutdown.ensureOpen();
        return registry.readmitNow(registry.member(Objects.requireNonNull(server, "server")));
    }

    /**
     * Closes idle connections beyond {@code perServer} on every server; opens none.
     *
     * @param perServer how many idle connections each server keeps at most
     * @throws IllegalArgumentException when negative
     * @throws PoolClosedException      after {@link #close()}
     */
    public void retainIdle(int perServer) {
        if (perServer < 0) {
            throw errors.negativeRetainIdle(perServer);
        }
        shutdown.ensureOpen();
        for (ServerEntry entry : registry.all()) {
            engine.retainIdle(entry, perServer);
        }
    }

    // ---- observing -----------------------------------------------------------------------------------------

    /**
     * Returns a snapshot of every server's state and counts; works after {@link #close()} too.
     *
     * @return the snapshot
     */
    public PoolStats stats() {
        long now = clock.nanoTime();
        List<ServerStats> servers = new ArrayList<>();
        for (ServerEntry e : registry.all()) {
            servers.add(statsOf(e, now));
        }
        return new PoolStats(name, servers);
    }

    /**
     * Returns a snapshot of one server, reading that server's counters only: O(1) whatever the number of
     * servers (plus its leases when leak detection is on), so that a meter can read it on every scrape.
     * Works after {@link #close()} too.
     *
     * @param server a server of this pool
     * @return its stats, or {@code null} when it is not in the pool (a draining one still is)
     */
    public ServerStats stats(ServerAddress server) {
        ServerEntry entry = registry.get(Objects.requireNonNull(server, "server"));
        return entry == null ? null : statsOf(entry, clock.nanoTime());
    }

    private ServerStats statsOf(ServerEntry e, long now) {
        ServerState state = e.state();
        Instant until = state == ServerState.EJECTED
                ? Instant.now().plusNanos(Math.max(0, e.ejectedUntilNanos - now)) : null;
        int failures = e.failures();
        return new ServerStats(e.address, state, engine.active(e), engine.idle(e), e.waiting(), e.created.sum(),
                e.destroyed.sum(), e.borrowed(), failures, e.ejections(), until, leases.overdueLeases(e, now),
                ServerStats.isUsable(state, failures, settings.ejection().consecutiveFailures()),
                e.history.snapshot(now, Instant.now()));
    }

    /**
     * Adds a listener of server and connection events.
     *
     * @param listener the listener
     * @throws PoolClosedException after {@link #close()}
     */
    public void addListener(PoolListener listener) {
        shutdown.ensureOpen();
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    // ---- closing -------------------------------------------------------------------------------------------

    /**
     * Stops lending (borrowers waiting now get {@link PoolClosedException}), closes idle connections, waits
     * up to {@code shutdown-timeout} for leased ones to come back (closing each as it does), then closes
     * those still out: their leases become unusable. Every connection is closed exactly once. Idempotent.
     */
    @Override
    public void close() {
        shutdown.close();
    }

    @Override
    public String toString() {
        return "MultiPool[" + name + ", " + registry.all() + "]";
    }

    /**
     * Builds a {@link MultiPool}. Every method sets one setting (the YAML key is named in its doc); values
     * are checked together by {@link #build()}, which throws {@link InvalidSettingException} naming the
     * first bad one. Not thread-safe; build once.
     *
     * @param <C> the connection type
     */
    public static final class Builder<C> {

        private final ConnectionFactory<C> factory;
        private final List<PoolListener> listeners = new ArrayList<>();
        private final PoolSettingsDraft draft = new PoolSettingsDraft();
        private PoolMetrics metrics = PoolMetrics.NONE;
        private NanoClock clock = NanoClock.SYSTEM;
        private HousekeepingScheduler scheduler; // null: a thread of the pool's own
        private Random random = new Random();

        private Builder(ConnectionFactory<C> factory) {
            this.factory = factory;
        }

        /**
         * The pool's name in logs, errors, metrics and health. Default {@code pool-N}.
         *
         * @param name a non-blank name
         * @return this builder
         */
        public Builder<C> name(String name) {
            draft.name = name;
            return this;
        }

        /**
         * The servers to start with ({@code servers}). Default none; add them later with
         * {@link MultiPool#addServer}.
         *
         * @param servers distinct servers
         * @return this builder
         */
        public Builder<C> servers(Collection<ServerAddress> servers) {
            draft.servers = List.copyOf(servers);
            return this;
        }

        /**
         * Connections per server, leased and idle together ({@code max-active}). Default 8.
         *
         * @param maxActive at least 1
         * @return this builder
         */
        public Builder<C> maxActive(int maxActive) {
            draft.maxActive = maxActive;
            return this;
        }

        /**
         * Idle connections kept per server; more are closed when returned ({@code max-idle}). Default: the
         * same as max-active.
         *
         * @param maxIdle 0 to max-active
         * @return this builder
         */
        public Builder<C> maxIdle(int maxIdle) {
            draft.maxIdle = maxIdle;
            return this;
        }

        /**
         * Idle connections kept open per usable server, opened at start and after a re-admission, and never
         * closed for idleness ({@code min-idle}). Default 0.
         *
         * @param minIdle 0 to max-idle
         * @return this builder
         */
        public Builder<C> minIdle(int minIdle) {
            draft.minIdle = minIdle;
            return this;
        }

        /**
         * Connections over all servers ({@code max-total}); -1, the default, for no limit. When the limit is
         * reached and a server has no idle connection, one idle connection of another server is closed to make
         * room (the servers take turns).
         *
         * @param maxTotal -1 or at least 1
         * @return this builder
         */
        public Builder<C> maxTotal(int maxTotal) {
            draft.maxTotal = maxTotal;
            return this;
        }

        /**
         * How long a borrow waits for a connection of a full server ({@code max-wait}). Default 1 s.
         *
         * @param maxWait zero or more
         * @return this builder
         */
        public Builder<C> maxWait(Duration maxWait) {
            draft.maxWait = maxWait;
            return this;
        }

        /**
         * Idle connections beyond min-idle are closed after this long unused ({@code idle-timeout}); zero
         * for never. Default 5 min. Idle connections are looked at every quarter of it (10 ms to 30 s), so
         * one may stay up to that much longer.
         *
         * @param idleTimeout zero or more
         * @return this builder
         */
        public Builder<C> idleTimeout(Duration idleTimeout) {
            draft.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * A connection older than this is closed when idle or returned ({@code max-lifetime}), each one up
         * to 2.5% earlier at random; zero, the default, for no limit.
         *
         * @param maxLifetime zero or more
         * @return this builder
         */
        public Builder<C> maxLifetime(Duration maxLifetime) {
            draft.maxLifetime = maxLifetime;
            return this;
        }

        /**
         * Validate a connection (new or idle) before lending it ({@code validate-on-borrow}). Default true.
         *
         * @param validateOnBorrow whether to
         * @return this builder
         */
        public Builder<C> validateOnBorrow(boolean validateOnBorrow) {
            draft.validateOnBorrow = validateOnBorrow;
            return this;
        }

        /**
         * Validate idle connections in the background ({@code validate-while-idle}). Default true.
         *
         * @param validateWhileIdle whether to
         * @return this builder
         */
        public Builder<C> validateWhileIdle(boolean validateWhileIdle) {
            draft.validateWhileIdle = validateWhileIdle;
            return this;
        }

        /**
         * How {@link MultiPool#borrow()} picks a server ({@code balancer}). Default
         * {@link Balancer#leastActive()}.
         *
         * @param balancer the balancer
         * @return this builder
         */
        public Builder<C> balancer(Balancer balancer) {
            draft.balancer = balancer;
            return this;
        }

        /**
         * Attempts per borrow or execute, the first included ({@code retry.attempts}). Default 3.
         *
         * @param retryAttempts at least 1 (1: no retry)
         * @return this builder
         */
        public Builder<C> retryAttempts(int retryAttempts) {
            draft.retryAttempts = retryAttempts;
            return this;
        }

        /**
         * The pause before retry n: {@code min x factor^(n-1)}, capped at {@code max}, spread by
         * {@code +-jitter} ({@code retry.backoff.*}). Default 10 ms, 1 s, 2.0, 0.2.
         *
         * @param min    the first pause, zero or more
         * @param max    the longest pause, at least min
         * @param factor the growth per retry, at least 1.0
         * @param jitter the random spread as a fraction, 0.0 to 1.0
         * @return this builder
         */
        public Builder<C> backoff(Duration min, Duration max, double factor, double jitter) {
            return backoffMin(min).backoffMax(max).backoffFactor(factor).backoffJitter(jitter);
        }

        /**
         * The first retry pause ({@code retry.backoff.min}). Default 10 ms.
         *
         * @param min zero or more
         * @return this builder
         */
        public Builder<C> backoffMin(Duration min) {
            draft.backoffMin = min;
            return this;
        }

        /**
         * The longest retry pause ({@code retry.backoff.max}). Default 1 s.
         *
         * @param max at least the min
         * @return this builder
         */
        public Builder<C> backoffMax(Duration max) {
            draft.backoffMax = max;
            return this;
        }

        /**
         * The growth of the pause per retry ({@code retry.backoff.factor}). Default 2.0.
         *
         * @param factor at least 1.0
         * @return this builder
         */
        public Builder<C> backoffFactor(double factor) {
            draft.backoffFactor = factor;
            return this;
        }

        /**
         * The random spread of each pause, as a fraction ({@code retry.backoff.jitter}). Default 0.2.
         *
         * @param jitter 0.0 to 1.0
         * @return this builder
         */
        public Builder<C> backoffJitter(double jitter) {
            draft.backoffJitter = jitter;
            return this;
        }

        /**
         * When a server is ejected and for how long ({@code ejection.*}): after {@code consecutiveFailures}
         * failures in a row, for {@code baseTime x 2^(n-1)} (n: its ejection count, which decays by one per
         * {@code maxTime} spent healthy), capped at {@code maxTime}; never more than {@code maxPercent} of
         * the servers at once (at least one when it is above 0), and never all. Default 3, 1 s, 30 s, 50.
         *
         * @param consecutiveFailures at least 1
         * @param baseTime            the first ejection's length, positive
         * @param maxTime             the cap, at least baseTime
         * @param maxPercent          0 (never eject) to 100
         * @return this builder
         */
        public Builder<C> ejection(int consecutiveFailures, Duration baseTime, Duration maxTime, int maxPercent) {
            return ejectionConsecutiveFailures(consecutiveFailures).ejectionBaseTime(baseTime)
                    .ejectionMaxTime(maxTime).ejectionMaxPercent(maxPercent);
        }

        /**
         * Failures in a row that eject a server ({@code ejection.consecutive-failures}). Default 3.
         *
         * @param consecutiveFailures at least 1
         * @return this builder
         */
        public Builder<C> ejectionConsecutiveFailures(int consecutiveFailures) {
            draft.ejectionFailures = consecutiveFailures;
            return this;
        }

        /**
         * The first ejection's length ({@code ejection.base-time}). Default 1 s.
         *
         * @param baseTime positive
         * @return this builder
         */
        public Builder<C> ejectionBaseTime(Duration baseTime) {
            draft.ejectionBaseTime = baseTime;
            return this;
        }

        /**
         * The longest ejection ({@code ejection.max-time}). Default 30 s.
         *
         * @param maxTime at least the base time
         * @return this builder
         */
        public Builder<C> ejectionMaxTime(Duration maxTime) {
            draft.ejectionMaxTime = maxTime;
            return this;
        }

        /**
         * The most servers ejected at once, in percent ({@code ejection.max-percent}). Default 50.
         *
         * @param maxPercent 0 (never eject) to 100
         * @return this builder
         */
        public Builder<C> ejectionMaxPercent(int maxPercent) {
            draft.ejectionMaxPercent = maxPercent;
            return this;
        }

        /**
         * How long {@link MultiPool#close()} waits for leased connections ({@code shutdown-timeout}).
         * Default 10 s.
         *
         * @param shutdownTimeout zero or more
         * @return this builder
         */
        public Builder<C> shutdownTimeout(Duration shutdownTimeout) {
            draft.shutdownTimeout = shutdownTimeout;
            return this;
        }

        /**
         * A lease held longer than this is logged once as a possible leak, with the stack trace of the
         * borrow, and counted in {@link ServerStats#overdueLeases()} ({@code leak-detection-threshold}).
         * Zero, the default, turns leak detection off; when on, each borrow records its stack trace.
         *
         * @param threshold zero or more
         * @return this builder
         */
        public Builder<C> leakDetectionThreshold(Duration threshold) {
            draft.leakDetectionThreshold = threshold;
            return this;
        }

        /**
         * How often each server is probed ({@code health-check.interval}); zero turns active health checking
         * off, leaving health to traffic alone. Default 10 s.
         *
         * <p>A probe opens a <em>new</em> connection to the server (the factory's {@code create}, with
         * whatever handshake it does), has the factory {@linkplain ConnectionFactory#probe prove} the server
         * answers on it (a round trip; by default {@linkplain ConnectionFactory#validate validate}), then closes
         * it (the trial that re-admits an ejected server proves it the same way): a connect is what every failover and every restart of a server tests, an idle connection proves
         * nothing about it, and taking one would disturb idle-timeout and the idle order. A probe that fails
         * counts as a {@link FailureKind#SERVER} failure and a verdict: the server is charged
         * {@code ejection.consecutive-failures} at once, so it is ejected (within {@code ejection.max-percent}),
         * or stays failing, not {@linkplain ServerStats#usable() usable}, when the cap keeps it in. A passed
         * probe makes such a failing server usable again. A probing server's probe is its trial. Ejected and
         * draining servers are not probed (an ejection's end brings a trial of its own); a server without room
         * for one more connection (max-active, max-total) is skipped that round: its traffic judges it. Each
         * server has one probe at a time; probes run on the pool's housekeeping thread, one after the other.
         * Probes count in {@link ServerStats#created()} and {@link ServerStats#destroyed()}.
         *
         * <p>So an idle server that dies is ejected within the interval plus the factory's connect timeout,
         * and a pool whose servers all refuse connections is {@code DOWN} within that time. Each server is
         * probed every 80% to 100% of the interval, at random, the first time within 50% to 100% of it after
         * it joined, so that the probes of many servers (and of many pools) spread out.
         *
         * <p><b>Why 10 s:</b> a readiness probe (Kubernetes checks every 10 s by default) sees a pool that lost
         * its servers at its next check or the one after; and the cost stays small on thousands of servers:
         * one connect per server per 10 s, that is 100 short connections a second for a pool of 1,000
         * servers, spread over the interval. Shorter finds a dead server sooner at the price of more connects
         * (on every server, from every client); longer, or 0, when the traffic is steady enough to judge.
         *
         * @param interval 0 (off), or at least 10 ms
         * @return this builder
         */
        public Builder<C> healthCheckInterval(Duration interval) {
            draft.healthCheckInterval = interval;
            return this;
        }

        /**
         * How keys are placed on servers ({@code affinity.algorithm}; see {@link MultiPool#serverFor(String)}).
         * Default {@link AffinityAlgorithm#RENDEZVOUS}: O(1) picks and even shares; {@link AffinityAlgorithm#KETAMA}
         * to send each key where libketama and spymemcached send it.
         *
         * @param algorithm the algorithm
         * @return this builder
         */
        public Builder<C> affinityAlgorithm(AffinityAlgorithm algorithm) {
            draft.affinityAlgorithm = algorithm;
            return this;
        }

        /**
         * How long a server that was out (ejected, or removed and added again) must have been {@code ACTIVE}
         * before the keys it owns come back to it from their fallbacks ({@code affinity.return-delay}); zero
         * for at once. Default 30 s.
         *
         * <p><b>Why 30 s:</b> a key that moves serves misses (a cache) or stale values (a store written on its
         * fallback meanwhile) on the server it moves to, so a flapping server should move its keys twice, not at
         * each flap. An ejected server that keeps failing comes back after 1, 2, 4, 8, 16 s of ejection (the
         * default {@code ejection.*}); 30 s up, the default {@code ejection.max-time}, outlasts that ladder and a
         * health probe's 10 s interval twice, while a restarted server gets its keys back within a minute.
         *
         * @param returnDelay zero or more
         * @return this builder
         */
        public Builder<C> affinityReturnDelay(Duration returnDelay) {
            draft.affinityReturnDelay = returnDelay;
            return this;
        }

        /**
         * Bounded loads for keyed work ({@code affinity.load-bound}): a key's server is passed over for the next
         * one on the ring when its leased connections, with one more, would exceed this factor times the mean
         * over the servers accepting borrows (rounded up), so that a hot key spills over to its next servers
         * rather than swamping its owner (consistent hashing with bounded loads; Envoy's
         * {@code hash_balance_factor}). Zero, the default, turns it off: a key goes to its owner however busy.
         * 1.25 keeps every server within 25% of the mean at the price of moving the hottest keys' overflow;
         * when on, the pool keeps a count of all its leases (one striped counter update per lease and return).
         *
         * @param factor 0 (off), or at least 1.0
         * @return this builder
         */
        public Builder<C> affinityLoadBound(double factor) {
            draft.affinityLoadBound = factor;
            return this;
        }

        /**
         * The time constant over which the least-latency balancer forgets ({@code least-latency.decay}): a
         * latency sample's weight falls to 1/e after it, and a server nobody picked has its estimate halved
         * for every {@code decay x ln 2} it trails the server it is compared with, so that it is tried again.
         * Read only with {@link Balancer#leastLatency()}. Default 2 s.
         *
         * <p><b>Why 2 s</b> (Finagle and Linkerd take 10 s): the estimate is a peak, so a server that turns
         * slow looks slow within its next leases whatever the decay; the decay decides how long a slow moment
         * keeps a server out of favour, and how soon a slow server is tried again. At 2 s a GC pause or a burst
         * of slow replies on one of several equal servers moves its share for a second or two, not for
         * tens of seconds (equal servers keep equal shares on a noisy host), and a server that recovered is
         * back in favour within a few seconds; the price is a slow server tried again every few seconds, a
         * lease or two. Longer (10 s) for servers whose latency swings slowly; shorter follows changes sooner.
         *
         * @param decay positive
         * @return this builder
         */
        public Builder<C> leastLatencyDecay(Duration decay) {
            draft.leastLatencyDecay = decay;
            return this;
        }

        /**
         * How long a server that joins ({@link MultiPool#addServer}, {@link MultiPool#updateServers}; not the
         * servers the pool is built with) or is re-admitted after an ejection takes to get its full share of
         * borrows ({@code slow-start.window}); zero turns slow start off. Default 10 s.
         *
         * <p>While it ramps, whatever the balancer, a pick of the server stands with a probability that grows
         * with the time since it came, from 10% to 100% over the window (linearly; Envoy's slow start with an
         * aggression of 1), otherwise the balancer picks again; and its new connections are opened at most
         * max-active a second (one every 1 s / max-active), so that a recovering server is not stampeded by
         * a burst of connects. A pick of a ramping server that has no idle connection and may open none yet
         * does not stand either. Key affinity ({@link MultiPool#serverFor(String)}) and the pinned calls
         * ({@link MultiPool#borrow(ServerAddress)}) are not ramped, but their new connections are rate-limited
         * too (a borrow may then wait for a returned connection, within max-wait). No cost to a pick while no
         * server ramps (one volatile read).
         *
         * <p><b>Why 10 s:</b> a restarted process warms its caches and its JIT in seconds; a server that
         * keeps failing comes back after ejections of 1, 2, 4, 8, 16 s (the default {@code ejection.*}),
         * so a 10 s ramp is over before the third of them, and a recovered server is back at full share
         * within about 10 s. Longer for servers that warm slowly (a JVM service under full load); shorter,
         * or 0, when servers are interchangeable at once.
         *
         * @param window zero (off) or more
         * @return this builder
         */
        public Builder<C> slowStartWindow(Duration window) {
            draft.slowStartWindow = window;
            return this;
        }

        /**
         * Adds a listener of server and connection events; it hears the initial servers being added.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder<C> listener(PoolListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Where per-borrow measurements go (acquire time, timeouts). Default {@link PoolMetrics#NONE}, which
         * costs nothing.
         *
         * @param metrics the recorder
         * @return this builder
         */
        public Builder<C> metrics(PoolMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** How often idle connections are checked and min-idle refilled; derived from the timeouts by default. */
        Builder<C> housekeepingInterval(Duration interval) {
            draft.housekeepingInterval = interval;
            return this;
        }

        Builder<C> clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Where the health probes' jitter comes from (a fuzzer seeds it to replay a run). */
        Builder<C> random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Where the pool's background work runs (tests drive it by hand); default a thread of its own. */
        Builder<C> scheduler(HousekeepingScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Checks every setting and starts the pool (min-idle is filled in the background).
         *
         * @return the running pool
         * @throws InvalidSettingException naming the first bad setting
         */
        public MultiPool<C> build() {
            return new MultiPool<>(settings(), factory, listeners, metrics, clock, scheduler, random);
        }

        /** Checks every setting; throws {@link InvalidSettingException} on the first bad one. */
        PoolSettings settings() {
            return draft.build();
        }
    }
}
