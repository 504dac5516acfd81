package dev.connpool.zookeeper;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.connpool.MultiPool;
import dev.connpool.ServerSource;
import dev.connpool.ServerSourceState;
import dev.connpool.ServerSourceSupport;

/**
 * Keeps a {@link MultiPool}'s servers equal to what a ZooKeeper path holds, read through Apache Curator.
 *
 * <p>The source watches the path (no polling): a server that appears is added to the pool at once (and its
 * min-idle filled in the background); a server that goes away is drained through
 * {@link MultiPool#updateServers} once it has been gone for the removal delay
 * ({@link Builder#removalDelay(Duration)}, {@link ServerSourceSupport#DEFAULT_REMOVAL_DELAY} by default), so
 * that a ZooKeeper hiccup, which makes the registrations of healthy servers vanish for a moment, does not
 * drain them; a server registered again within the delay stays. Leases out on a drained server finish normally and its connections are closed
 * when they come back. A node that does not parse is logged once and skipped.
 *
 * <p>When ZooKeeper cannot be reached, or the session is lost, the pool keeps the last known servers (the
 * fleet is not drained because the registry is away); the source reports it in {@link #state()} and reads
 * the path again as soon as it is connected, giving what is missing then the removal delay again. These
 * rules are every source's: they live in core's {@link ServerSourceSupport}, which this source feeds.
 *
 * <pre>{@code
 * try (var source = ZooKeeperServerSource.builder(curator, pool).path("/services/cache").build()) {
 *     source.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>The source does not own the {@code CuratorFramework} or the pool: {@link #close()} stops watching and
 * leaves both open. If the pool is closed under it, the source stops by itself.
 *
 * <p><b>ZooKeeper is the truth</b>, once the removal delay has passed: an existing path with no children
 * (no instances) means no servers, and the pool is emptied (drained). Only an absent registry is not
 * trusted: while the session is disconnected or lost, or while the path does not exist, the pool keeps the
 * servers it has; the source then follows the path again once it is connected, or once it is created.
 *
 * <p><b>How it watches.</b> Each read sets one-shot ZooKeeper watches with a single {@link Watcher}: on the
 * path's children, and for {@code curator} on each instance's data (so an instance that changes its
 * address is followed); when the path does not exist, an exists-watch on it. Any watch that fires, and any
 * (re)connection, asks for a new read of the <em>whole</em> path, and every read gives the pool the full set
 * ({@link MultiPool#updateServers}). Reads and pool updates run on one daemon thread
 * ({@code connpool-<pool>-zookeeper}), so they never overlap, and requests that arrive while a read is
 * queued are folded into it: a burst of changes costs a read or two, and an event lost or reordered cannot
 * leave the pool wrong, since the next read sets it right. This was preferred to {@code CuratorCache} (a
 * local mirror kept by persistent recursive watches, ZooKeeper 3.6+ servers only, that would report the
 * nodes of a lost session as deleted one by one) and to x-discovery's {@code ServiceCache} (which needs the
 * instances' payload class on the class path to deserialize them, while instances written by Spring Cloud
 * Zookeeper carry its own): the path is read as it is, and instance JSON is read as a tree (fields
 * {@code address}, {@code port}, {@code sslPort}, {@code enabled}, {@code payload.metadata.instance_status}).
 * {@link #close()} removes the watches.
 *
 * <p><b>Instances that do not serve</b> ({@code curator} format): only an instance whose
 * {@code payload.metadata.instance_status} is absent or {@code UP} is a server. That is where Spring Cloud
 * Zookeeper keeps an instance's status ({@code OUT_OF_SERVICE} when registered with
 * {@code spring.cloud.zookeeper.discovery.initial-status=OUT_OF_SERVICE} or set through
 * {@code POST /actuator/serviceregistry}); the change rewrites the instance's node, whose data is watched, so
 * the pool follows within a read, at once: the removal delay is for instances that vanish, while this one
 * is still registered and says it must not get traffic ({@link ServerSourceSupport#answered(java.util.Collection,
 * java.util.Collection, java.util.Collection)}). An instance whose {@code enabled} is {@code false} (a Curator field Spring Cloud does
 * not write) is left out too. Both are listed in {@link ServerSourceState#skipped()} with why, logged at INFO
 * once. With {@link Builder#useSslPort} the server's port is the instance's {@code sslPort}.
 *
 * <p><b>Bad nodes</b> (a child name that is not {@code host:port}, an instance whose JSON has no usable
 * address or port) are skipped, logged at WARN once (again only if they go away and come back, or change
 * the reason), and listed in {@link ServerSourceState#skipped()}.
 */
public final class ZooKeeperServerSource implements ServerSource {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperServerSource.class);
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final CuratorFramework client;
    private final WatcherRemoveCuratorFramework watching;
    private final MultiPool<?> pool;
    private final DiscoverySettings settings;
    /** Names the source in logs. */
    private final String label;
    private final ServerSourceSupport support;
    private final PathSync sync;
    private final SyncScheduler scheduler;
    private final ConnectionWatcher connectionWatcher;

    private ZooKeeperServerSource(Builder builder) {
        this.settings = DiscoverySettings.check(builder.path, builder.format, builder.service,
                builder.initialSyncTimeout, builder.removalDelay);
        this.client = builder.client;
        this.pool = builder.pool;
        this.watching = client.newWatcherRemoveCuratorFramework();
        this.label = "pool '" + pool.name() + "', zookeeper " + settings.path();
        this.support = ServerSourceSupport.builder(pool, "zookeeper", settings.path())
                .removalDelay(settings.removalDelay()).clock(builder.clock).build();
        Watcher watcher = this::watched;
        this.sync = new PathSync(label, PathReader.of(settings.format(), watching, watcher, settings.path(),
                builder.useSslPort), pool,
                client, support, this::stopItself);
        this.scheduler = new SyncScheduler(label, pool.name(), sync, () -> support.state().connected());
        sync.runBy(scheduler);
        this.connectionWatcher = new ConnectionWatcher(label, support, scheduler);
    }

    /**
     * Starts a builder.
     *
     * @param client a Curator client, started or not (the source waits for it to connect without blocking)
     * @param pool   the pool whose servers the source keeps
     * @return a builder
     */
    public static Builder builder(CuratorFramework client, MultiPool<?> pool) {
        return new Builder(client, pool);
    }

    /**
     * Checks settings as {@link Builder#build()} does, without a client or a pool: for a configuration layer
     * that refuses bad settings before it creates anything (the Spring Boot starter does).
     *
     * @param path         the watched path (children) or x-discovery base path (curator)
     * @param format       how servers are written under it
     * @param service      the service name (curator only), or null
     * @param removalDelay the removal delay, or null for the default
     * @throws InvalidDiscoverySettingException naming the first bad setting, its value and why
     */
    public static void check(String path, DiscoveryFormat format, String service, Duration removalDelay) {
        DiscoverySettings.check(path, Objects.requireNonNull(format, "format"), service,
                DiscoverySettings.DEFAULT_INITIAL_SYNC_TIMEOUT,
                removalDelay == null ? ServerSourceSupport.DEFAULT_REMOVAL_DELAY : removalDelay);
    }

    /**
     * Starts watching. When ZooKeeper is connected, the pool's servers are set before this returns
     * (within {@link Builder#initialSyncTimeout}); otherwise the pool keeps the servers it has and is synced
     * on connection. The first read replaces the pool's servers at once (no removal delay).
     *
     * @throws IllegalStateException when started twice or after close
     */
    @Override
    public void start() {
        support.start();
        // Listen first: a connection made after the check below is then heard.
        client.getConnectionStateListenable().addListener(connectionWatcher);
        if (!client.getZookeeperClient().isConnected()) {
            support.unreachable("not connected to ZooKeeper yet");
            return;
        }
        support.reachable();
        Future<?> first;
        try {
            first = scheduler.submitFirst();
        } catch (RejectedExecutionException e) {
            return; // closed meanwhile
        }
        long timeoutMillis = settings.initialSyncTimeout().toMillis();
        try {
            first.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{}: the first read did not finish within {} ms; it goes on in the background", label,
                    timeoutMillis);
        } catch (ExecutionException e) {
            log.warn("{}: the first read failed", label, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns what the source knows now: kind {@code zookeeper}, the watched path as the target, the nodes
     * skipped as {@code name: why} (a node that does not parse; an instance disabled or not {@code UP}).
     *
     * @return a snapshot
     */
    @Override
    public ServerSourceState state() {
        return support.state();
    }

    /**
     * Returns how servers are written under the path.
     *
     * @return the format
     */
    public DiscoveryFormat format() {
        return settings.format();
    }

    /**
     * Stops watching; the pool keeps the servers it has (those whose removal was pending too). Idempotent.
     */
    @Override
    public void close() {
        if (!support.close()) {
            return;
        }
        stop();
        log.info("{}: stopped watching; the pool keeps its {} server(s)", label, sync.serverCount());
    }

    private void stop() {
        client.getConnectionStateListenable().removeListener(connectionWatcher);
        scheduler.shutdown(CLOSE_WAIT_MILLIS);
        if (client.getState() == CuratorFrameworkState.STARTED) {
            watching.removeWatchers(); // in the background
        }
    }

    /** Stops from inside (the pool or the client was closed): quietly, without waiting for itself. */
    private void stopItself(String why) {
        if (!support.close()) {
            return;
        }
        support.failed(why);
        log.info("{}: {}; the source stops", label, why);
        stop();
    }

    private void watched(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.None || support.closed()) {
            return; // connection state: the connection watcher handles it
        }
        log.debug("{}: {} on {}", label, event.getType(), event.getPath());
        scheduler.request();
    }

    @Override
    public String toString() {
        return "ZooKeeperServerSource[" + label + ", " + settings.format() + "]";
    }

    /**
     * Settings of a {@link ZooKeeperServerSource}.
     */
    public static final class Builder {

        final CuratorFramework client;
        final MultiPool<?> pool;
        String path;
        DiscoveryFormat format = DiscoveryFormat.CHILDREN;
        String service;
        Duration initialSyncTimeout = DiscoverySettings.DEFAULT_INITIAL_SYNC_TIMEOUT;
        Duration removalDelay = ServerSourceSupport.DEFAULT_REMOVAL_DELAY;
        ServerSourceSupport.Clock clock = ServerSourceSupport.Clock.SYSTEM;
        boolean useSslPort;

        private Builder(CuratorFramework client, MultiPool<?> pool) {
            this.client = Objects.requireNonNull(client, "client");
            this.pool = Objects.requireNonNull(pool, "pool");
        }

        /**
         * The watched path: for {@link DiscoveryFormat#CHILDREN} the node whose children are named
         * {@code host:port}; for {@link DiscoveryFormat#CURATOR} the x-discovery base path. Required.
         *
         * @param path an absolute ZooKeeper path
         * @return this builder
         */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /**
         * How servers are written under the path; {@link DiscoveryFormat#CHILDREN} by default.
         *
         * @param format the format
         * @return this builder
         */
        public Builder format(DiscoveryFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * The service name under the base path, for {@link DiscoveryFormat#CURATOR} (required there, refused
         * with {@code CHILDREN}).
         *
         * @param service the service name
         * @return this builder
         */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /**
         * How long {@link #start()} waits for the first read when ZooKeeper is connected; 10 s by default.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder initialSyncTimeout(Duration timeout) {
            this.initialSyncTimeout = timeout;
            return this;
        }

        /**
         * How long a server that is no longer in ZooKeeper stays in the pool before it is drained; a server
         * registered again meanwhile is not drained at all. The first reads after the source reconnects to
         * ZooKeeper, or after its session expired, get the same grace. Servers that appear are added at once
         * whatever the delay. Zero drains a server as soon as a read misses it.
         *
         * <p>Why: when ZooKeeper stalls or restarts, the sessions of many registrations expire at once and
         * their ephemeral nodes vanish, while the servers are healthy; they register again as soon as their
         * clients reach ZooKeeper with a new session, and Curator's {@code ServiceDiscovery} deletes and
         * creates its node on every reconnection. A read in between must not drain them.
         *
         * <p>{@link ServerSourceSupport#DEFAULT_REMOVAL_DELAY} (60 s) by default, as for every source: a bit
         * more than the 40 s a ZooKeeper server with its default 2 s tick grants at most to a session (Curator and the starter ask for 60 s), so that a registration whose session is
         * expired in a mass expiry, and whose client needs up to a session timeout to notice and open a new
         * session, fits, as does ZooKeeper expiring the stale sessions it reloaded one session timeout after
         * a restart. The price: a server that really left stays a candidate for up to a minute; calls to it
         * fail over to other servers and it is ejected as any failing server would be.
         *
         * @param delay zero or a positive duration
         * @return this builder
         */
        public Builder removalDelay(Duration delay) {
            this.removalDelay = delay;
            return this;
        }

        /**
         * Whether the pool speaks TLS, for {@link DiscoveryFormat#CURATOR}: an instance's {@code sslPort} is
         * then its server's port ({@code port} when it has none), as Spring Cloud itself takes
         * {@code sslPort} for an instance registered with one; otherwise {@code port} ({@code sslPort} when
         * it has none). False by default. The children format has no SSL port: ignored there.
         *
         * @param useSslPort true when the pool's connections use TLS
         * @return this builder
         */
        public Builder useSslPort(boolean useSslPort) {
            this.useSslPort = useSslPort;
            return this;
        }

        /** The clocks the source reads; the system's by default (tests move one by hand). */
        Builder clock(ServerSourceSupport.Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates the settings and builds the source (not started).
         *
         * @return the source
         * @throws InvalidDiscoverySettingException naming the bad setting, its value and why
         */
        public ZooKeeperServerSource build() {
            return new ZooKeeperServerSource(this);
        }
    }
}
