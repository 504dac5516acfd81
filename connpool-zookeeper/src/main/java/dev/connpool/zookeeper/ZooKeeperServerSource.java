package dev.connpool.zookeeper;

import java.time.Duration;
import java.util.Objects;

import org.apache.curator.framework.CuratorFramework;

import dev.connpool.MultiPool;

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
 * leaves both open.
 */
public final class ZooKeeperServerSource implements AutoCloseable {

    private ZooKeeperServerSource(Builder builder) {
        throw new UnsupportedOperationException("not implemented yet");
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
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Returns what the source knows now.
     *
     * @return a snapshot
     */
    public DiscoveryState state() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Stops watching; the pool keeps the servers it has. Idempotent.
     */
    @Override
    public void close() {
        throw new UnsupportedOperationException("not implemented yet");
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
