package dev.connpool.zookeeper;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.PathUtils;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.connpool.MultiPool;
import dev.connpool.PoolClosedException;
import dev.connpool.ServerAddress;

/**
 * Keeps a {@link MultiPool}'s servers equal to what a ZooKeeper path holds, read through Apache Curator.
 *
 * <p>The source watches the path (no polling): a server that appears is added to the pool (and its min-idle
 * filled in the background), a server that goes away is drained through {@link MultiPool#updateServers}, so
 * leases out on it finish normally and its connections are closed when they come back. A node that does not
 * parse is logged once and skipped.
 *
 * <p>When ZooKeeper cannot be reached, or the session is lost, the pool keeps the last known servers (the
 * fleet is not drained because the registry is away); the source reports it in {@link #state()} and reads
 * the path again as soon as it is connected.
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
 * <p><b>ZooKeeper is the truth.</b> An existing path with no children (no instances) means no servers: the
 * pool is emptied (drained). Only an absent registry is not trusted: while the session is disconnected or
 * lost, or while the path does not exist, the pool keeps the servers it has; the source then follows the
 * path again once it is connected, or once the path is created.
 *
 * <p><b>How it watches.</b> Each read sets one-shot ZooKeeper watches with a single {@link Watcher}: on the
 * path's children, and for {@code curator} on each instance's data (so an instance that changes its
 * address is followed); when the path does not exist, an exists-watch on it. Any watch that fires, and any
 * (re)connection, asks for a new read of the <em>whole</em> path, and every read gives the pool the full set
 * it found ({@link MultiPool#updateServers}). Reads and pool updates run on one daemon thread
 * ({@code connpool-<pool>-zookeeper}), so they never overlap, and requests that arrive while a read is
 * queued are folded into it: a burst of changes costs a read or two, and an event lost or reordered cannot
 * leave the pool wrong, since the next read sets it right. This was preferred to {@code CuratorCache} (a
 * local mirror kept by persistent recursive watches, ZooKeeper 3.6+ servers only, that would report the
 * nodes of a lost session as deleted one by one) and to x-discovery's {@code ServiceCache} (which needs the
 * instances' payload class on the class path to deserialize them, while instances written by Spring Cloud
 * Zookeeper carry its own): the path is read as it is, and instance JSON is read as a tree (fields
 * {@code address}, {@code port}, {@code sslPort}; an instance whose {@code enabled} is {@code false} is not
 * a server, as with Curator's own providers). ZooKeeper keeps one watch per path and watcher, so reading
 * again and again does not pile watches up; {@link #close()} removes them.
 *
 * <p><b>Bad nodes</b> (a child name that is not {@code host:port}, an instance whose JSON has no usable
 * address or port) are skipped, logged at WARN once (again only if they go away and come back, or change
 * the reason), and listed in {@link DiscoveryState#skipped()}.
 */
public final class ZooKeeperServerSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperServerSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRY_MIN_MILLIS = 500;
    private static final long RETRY_MAX_MILLIS = 30_000;
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private final CuratorFramework client;
    /** The client, remembering the watches set through it so that close can remove them. */
    private final WatcherRemoveCuratorFramework watching;
    private final MultiPool<?> pool;
    private final String path;
    private final DiscoveryFormat format;
    private final Duration initialSyncTimeout;
    /** Names the source in logs. */
    private final String label;
    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread executorThread;
    private final Watcher watcher = this::watched;
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    /** A read is queued and not started yet: further requests fold into it. */
    private final AtomicBoolean syncQueued = new AtomicBoolean();

    /** Guards the fields below that are not volatile, and state changes that must happen together. */
    private final Object lock = new Object();
    private boolean started;
    private volatile boolean closed;
    private volatile boolean connected;
    private String lastError;
    private boolean synced;
    private Instant lastUpdate;
    private int nodeCount;
    private Set<ServerAddress> servers = Set.of();
    private Set<String> skipped = Set.of();
    /** Whether this outage was logged at WARN already; guarded by {@link #lock}. */
    private boolean outageLogged;
    private long outageStartNanos;

    // The executor thread's own.
    private Map<String, String> badNodes = Map.of();
    private boolean pathMissingLogged;
    private String lastFailureLogged;
    private long retryMillis;
    private ScheduledFuture<?> retry;

    private ZooKeeperServerSource(Builder builder) {
        this.client = builder.client;
        this.pool = builder.pool;
        this.format = builder.format;
        if (builder.path == null) {
            throw new IllegalArgumentException("zookeeper discovery: setting 'path' is required (an absolute "
                    + "ZooKeeper path such as /services/cache), got null");
        }
        try {
            PathUtils.validatePath(builder.path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("zookeeper discovery: setting 'path' must be an absolute ZooKeeper path,"
                    + " got \"" + builder.path + "\": " + e.getMessage(), e);
        }
        if (format == DiscoveryFormat.CURATOR) {
            String service = builder.service;
            if (service == null || service.isBlank() || service.indexOf('/') >= 0) {
                throw new IllegalArgumentException("zookeeper discovery: setting 'service' must be a service name "
                        + "(one path segment, no '/') with format CURATOR, got "
                        + (service == null ? "null" : "\"" + service + "\""));
            }
            String servicePath = ZKPaths.makePath(builder.path, service);
            try {
                PathUtils.validatePath(servicePath);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("zookeeper discovery: setting 'service' \"" + service
                        + "\" does not make a valid ZooKeeper path: " + e.getMessage(), e);
            }
            this.path = servicePath;
        } else {
            if (builder.service != null) {
                throw new IllegalArgumentException("zookeeper discovery: setting 'service' is only for format CURATOR,"
                        + " got service \"" + builder.service + "\" with format " + format);
            }
            this.path = builder.path;
        }
        Duration timeout = builder.initialSyncTimeout;
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("zookeeper discovery: setting 'initialSyncTimeout' must be positive, got "
                    + timeout);
        }
        this.initialSyncTimeout = timeout;
        this.watching = client.newWatcherRemoveCuratorFramework();
        this.label = "pool '" + pool.name() + "', zookeeper " + path;
        String threadName = "connpool-" + pool.name() + "-zookeeper";
        this.executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, threadName);
            t.setDaemon(true);
            executorThread = t;
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
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
     * Starts watching. When ZooKeeper is connected, the pool's servers are set before this returns
     * (within {@link Builder#initialSyncTimeout}); otherwise the pool keeps the servers it has and is synced
     * on connection.
     *
     * @throws IllegalStateException when started twice or after close
     */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(label + ": the source is closed");
            }
            if (started) {
                throw new IllegalStateException(label + ": the source is started already");
            }
            started = true;
        }
        // Listen first: a connection made after the check below is then heard.
        client.getConnectionStateListenable().addListener(connectionListener);
        boolean isConnected = client.getZookeeperClient().isConnected();
        synchronized (lock) {
            connected = isConnected;
            if (!isConnected) {
                lastError = "not connected to ZooKeeper yet";
            }
        }
        if (!isConnected) {
            log.info("{}: not connected to ZooKeeper yet; the pool keeps its {} server(s) until the first read",
                    label, pool.servers().size());
            return;
        }
        Future<?> first;
        try {
            first = executor.submit(this::syncSafely);
        } catch (RejectedExecutionException e) {
            return; // closed meanwhile
        }
        try {
            first.get(initialSyncTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{}: the first read did not finish within {} ms; it goes on in the background", label,
                    initialSyncTimeout.toMillis());
        } catch (ExecutionException e) {
            log.warn("{}: the first read failed", label, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns what the source knows now.
     *
     * @return a snapshot
     */
    public DiscoveryState state() {
        synchronized (lock) {
            return new DiscoveryState(path, format, connected, synced, lastUpdate, nodeCount, servers, skipped,
                    lastError);
        }
    }

    /**
     * Stops watching; the pool keeps the servers it has. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stop();
        log.info("{}: stopped watching; the pool keeps its {} server(s)", label, safeServerCount());
    }

    private void stop() {
        client.getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdown(); // a read under way finishes (bounded by the client's retry policy); queued ones see closed
        if (Thread.currentThread() != executorThread) {
            try {
                if (!executor.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                executor.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (client.getState() == CuratorFrameworkState.STARTED) {
            watching.removeWatchers(); // in the background
        }
    }

    /** Stops from inside (the pool or the client was closed): quietly, without waiting for itself. */
    private void stopItself(String why) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lastError = why;
        }
        log.info("{}: {}; the source stops", label, why);
        stop();
    }

    @Override
    public String toString() {
        return "ZooKeeperServerSource[" + label + ", " + format + "]";
    }

    // ---- events (Curator's threads) ---------------------------------------------------------------------

    private void watched(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.None) {
            return; // connection state: the connection listener handles it
        }
        log.debug("{}: {} on {}", label, event.getType(), event.getPath());
        requestSync();
    }

    private void connectionChanged(CuratorFramework c, ConnectionState newState) {
        if (closed) {
            return;
        }
        switch (newState) {
            case CONNECTED:
            case RECONNECTED:
            case READ_ONLY:
                boolean wasOut;
                long outageMillis;
                synchronized (lock) {
                    connected = true;
                    wasOut = outageLogged;
                    outageLogged = false;
                    outageMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - outageStartNanos);
                }
                if (wasOut) {
                    log.info("{}: {} to ZooKeeper after {} ms; reading the path again", label,
                            newState.toString().toLowerCase(java.util.Locale.ROOT), outageMillis);
                } else {
                    log.debug("{}: {}; reading the path", label, newState);
                }
                requestSync();
                break;
            case SUSPENDED:
            case LOST:
                String why = newState == ConnectionState.LOST ? "ZooKeeper session lost" : "ZooKeeper connection lost";
                boolean first;
                int kept;
                synchronized (lock) {
                    connected = false;
                    kept = servers.size();
                    lastError = why + "; the pool keeps the last known servers";
                    first = !outageLogged;
                    if (first) {
                        outageLogged = true;
                        outageStartNanos = System.nanoTime();
                    }
                }
                if (first) {
                    log.warn("{}: {} ({}); the pool keeps its {} server(s) until ZooKeeper is back", label, why,
                            newState, safeServerCount());
                } else {
                    log.info("{}: {} ({}); still keeping the last known {} server(s)", label, why, newState, kept);
                }
                break;
            default:
                break;
        }
    }

    private void requestSync() {
        if (closed || !syncQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::syncSafely);
        } catch (RejectedExecutionException e) {
            syncQueued.set(false); // closed
        }
    }

    // ---- reading (the executor's thread) --------------------------------------------------------------------

    /** The executor would swallow what a task throws: log it at least. */
    private void syncSafely() {
        try {
            sync();
        } catch (RuntimeException | Error e) {
            log.error("{}: reading the path failed unexpectedly", label, e);
            throw e;
        }
    }

    /** Reads the whole path and gives the pool what it holds. */
    private void sync() {
        syncQueued.set(false);
        if (closed) {
            return;
        }
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        Read read;
        try {
            read = format == DiscoveryFormat.CHILDREN ? readChildren() : readInstances();
            if (read == null) {
                pathMissing();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            readFailed("reading " + path, e);
            return;
        }
        try {
            apply(read);
        } catch (RuntimeException e) {
            readFailed("updating the pool from " + path, e); // not expected; logged, and tried again
        }
    }

    /** The children format; null when the path does not exist. */
    private Read readChildren() throws Exception {
        List<String> children;
        try {
            children = watching.getChildren().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        Read read = new Read(children.size());
        for (String child : sorted(children)) {
            try {
                read.servers.add(ServerAddress.parse(child));
            } catch (IllegalArgumentException e) {
                read.bad.put(child, e.getMessage());
            }
        }
        return read;
    }

    /** The curator format; null when the service's path does not exist. */
    private Read readInstances() throws Exception {
        List<String> ids;
        try {
            ids = watching.getChildren().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        Read read = new Read(ids.size());
        for (String id : sorted(ids)) {
            byte[] data;
            try {
                data = watching.getData().usingWatcher(watcher).forPath(ZKPaths.makePath(path, id));
            } catch (KeeperException.NoNodeException e) {
                continue; // gone since the children were read: the children watch has fired
            }
            try {
                ServerAddress server = parseInstance(data);
                if (server != null) {
                    read.servers.add(server);
                } else {
                    log.debug("{}: instance {} is disabled; not a server", label, id);
                }
            } catch (IllegalArgumentException e) {
                read.bad.put(id, e.getMessage());
            }
        }
        return read;
    }

    /**
     * The server of a Curator x-discovery {@code ServiceInstance}: its address and port, or its SSL port
     * when it has no port; null when it is disabled.
     *
     * @throws IllegalArgumentException saying why it is not usable
     */
    static ServerAddress parseInstance(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("no data (expected ServiceInstance JSON)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object (expected ServiceInstance JSON)");
        }
        JsonNode enabled = root.get("enabled");
        if (enabled != null && enabled.isBoolean() && !enabled.booleanValue()) {
            return null;
        }
        JsonNode address = root.get("address");
        if (address == null || !address.isTextual() || address.textValue().isBlank()) {
            throw new IllegalArgumentException("no \"address\" in the instance JSON");
        }
        Integer port = port(root, "port");
        if (port == null) {
            port = port(root, "sslPort");
        }
        if (port == null) {
            throw new IllegalArgumentException("neither \"port\" nor \"sslPort\" in the instance JSON");
        }
        return new ServerAddress(address.textValue().strip(), port);
    }

    private static Integer port(JsonNode root, String field) {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("\"" + field + "\" is not a port number: " + value);
        }
        return value.intValue();
    }

    private void apply(Read read) {
        Set<ServerAddress> before = pool.servers();
        // The state first: whoever sees the pool changed then finds the state that explains it.
        synchronized (lock) {
            synced = true;
            lastUpdate = Instant.now();
            nodeCount = read.nodes;
            servers = Collections.unmodifiableSet(read.servers);
            skipped = Set.copyOf(read.bad.keySet());
            if (connected) {
                lastError = null;
            }
        }
        try {
            pool.updateServers(read.servers);
        } catch (PoolClosedException e) {
            stopItself("the pool was closed");
            return;
        }
        logBadNodes(read.bad);
        List<ServerAddress> added = new ArrayList<>();
        for (ServerAddress server : read.servers) {
            if (!before.contains(server)) {
                added.add(server);
            }
        }
        List<ServerAddress> removed = new ArrayList<>();
        for (ServerAddress server : before) {
            if (!read.servers.contains(server)) {
                removed.add(server);
            }
        }
        pathMissingLogged = false;
        lastFailureLogged = null;
        retryMillis = 0;
        if (added.isEmpty() && removed.isEmpty()) {
            log.debug("{}: {} node(s), {} server(s), unchanged", label, read.nodes, read.servers.size());
        } else {
            log.info("{}: {}{}{} server(s) now", label, added.isEmpty() ? "" : "added " + added + "; ",
                    removed.isEmpty() ? "" : "removed " + removed + " (draining); ", read.servers.size());
        }
    }

    private void logBadNodes(Map<String, String> bad) {
        for (Map.Entry<String, String> node : bad.entrySet()) {
            if (!node.getValue().equals(badNodes.get(node.getKey()))) {
                log.warn("{}: skipped node {}: {}", label, ZKPaths.makePath(path, node.getKey()), node.getValue());
            }
        }
        badNodes = bad;
    }

    private void pathMissing() throws InterruptedException {
        Stat stat;
        try {
            stat = watching.checkExists().usingWatcher(watcher).forPath(path);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            readFailed("reading " + path, e);
            return;
        }
        if (stat != null) {
            requestSync(); // created since the read
            return;
        }
        int kept = safeServerCount();
        synchronized (lock) {
            lastError = "path " + path + " does not exist; the pool keeps its servers until it is created";
        }
        if (!pathMissingLogged) {
            pathMissingLogged = true;
            log.warn("{}: the path does not exist; the pool keeps its {} server(s) and the source waits for it",
                    label, kept);
        }
    }

    private void readFailed(String doing, Exception e) {
        if (client.getState() == CuratorFrameworkState.STOPPED) {
            stopItself("the Curator client was closed");
            return;
        }
        String message = doing + " failed: " + e;
        synchronized (lock) {
            lastError = message;
        }
        boolean connectionProblem = e instanceof KeeperException.ConnectionLossException
                || e instanceof KeeperException.SessionExpiredException
                || e instanceof KeeperException.SessionMovedException;
        if (connectionProblem || message.equals(lastFailureLogged)) {
            log.debug("{}: {}", label, message);
        } else {
            lastFailureLogged = message;
            log.warn("{}: {}; the pool keeps its servers, trying again", label, message);
        }
        retryMillis = retryMillis == 0 ? RETRY_MIN_MILLIS : Math.min(retryMillis * 2, RETRY_MAX_MILLIS);
        try {
            retry = executor.schedule(() -> {
                retry = null;
                if (connected) {
                    requestSync(); // when disconnected, the reconnection asks for the read
                }
            }, retryMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed
        }
    }

    private int safeServerCount() {
        try {
            return pool.servers().size();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static List<String> sorted(List<String> names) {
        List<String> copy = new ArrayList<>(names);
        Collections.sort(copy);
        return copy;
    }

    /** What one read found. */
    private static final class Read {
        final int nodes;
        final Set<ServerAddress> servers = new LinkedHashSet<>();
        final Map<String, String> bad = new LinkedHashMap<>();

        Read(int nodes) {
            this.nodes = nodes;
        }
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
        Duration initialSyncTimeout = Duration.ofSeconds(10);

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
         * Validates the settings and builds the source (not started).
         *
         * @return the source
         * @throws IllegalArgumentException naming the bad setting
         */
        public ZooKeeperServerSource build() {
            return new ZooKeeperServerSource(this);
        }
    }
}
