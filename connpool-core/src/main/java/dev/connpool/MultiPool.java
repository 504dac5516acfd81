package dev.connpool;

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
 * <p><b>Inside</b> (package-private, for maintainers): the lending calls are written in {@code PoolLending}
 * and the builder's setters in {@code PoolSettingSetters} (each shown here as this class's own);
 * {@code PoolParts} wires the parts. {@code AttemptLoop} runs the attempts of
 * {@code borrow()} and {@code execute()}, {@code ServerBorrower} borrows from one server,
 * {@code LeaseLifecycle} follows each lease until it is back, {@code Shutdown} closes,
 * {@code ServerRegistry} keeps the servers' health (its rules in an {@code EjectionPolicy}),
 * {@code ConnectionEngine} holds the connections, {@code AffinityRouter} places keys on servers (over a
 * {@code HashRing}) and {@code Housekeeper} works in the background;
 * {@code PoolErrors} words the errors.
 *
 * @param <C> the connection type
 */
public final class MultiPool<C> extends PoolLending<C> implements AutoCloseable {

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

    private MultiPool(PoolParts<C> parts) {
        super(parts);
        this.name = parts.settings.name();
        this.settings = parts.settings;
        this.clock = parts.clock;
        this.errors = parts.errors;
        this.listeners = parts.listeners;
        this.registry = parts.registry;
        this.engine = parts.engine;
        this.shutdown = parts.shutdown;
        this.leases = parts.leases;
        parts.start();
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
     * Builds a {@link MultiPool}. Every setting has a setter (the YAML key is named in its doc); values
     * are checked together by {@link #build()}, which throws {@link InvalidSettingException} naming the
     * first bad one. Not thread-safe; build once.
     *
     * @param <C> the connection type
     */
    public static final class Builder<C> extends PoolSettingSetters<C> {

        private final ConnectionFactory<C> factory;
        private final List<PoolListener> listeners = new ArrayList<>();
        private PoolMetrics metrics = PoolMetrics.NONE;
        private NanoClock clock = NanoClock.SYSTEM;
        private HousekeepingScheduler scheduler; // null: a thread of the pool's own
        private Random random = new Random();

        private Builder(ConnectionFactory<C> factory) {
            this.factory = factory;
        }

        @Override
        Builder<C> self() {
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
            return new MultiPool<>(new PoolParts<>(settings(), factory, listeners, metrics, clock, scheduler, random));
        }

        /** Checks every setting; throws {@link InvalidSettingException} on the first bad one. */
        PoolSettings settings() {
            return draft.build();
        }
    }
}
