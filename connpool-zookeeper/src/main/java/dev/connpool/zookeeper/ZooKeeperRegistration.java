package dev.connpool.zookeeper;

import org.apache.curator.framework.CuratorFramework;

import dev.connpool.ServerAddress;

/**
 * Registers a server in ZooKeeper as an ephemeral node, so that {@link ZooKeeperServerSource}s find it and
 * lose it when the server's session ends. {@link #close()} deregisters it.
 *
 * <pre>{@code
 * try (var registration = ZooKeeperRegistration.children(curator, "/services/cache", address)) {
 *     ... serve ...
 * }
 * }</pre>
 *
 * <p>A registration survives a lost session: the node is created again when the client reconnects.
 */
public final class ZooKeeperRegistration implements AutoCloseable {

    private ZooKeeperRegistration() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Registers {@code server} as the ephemeral child {@code <path>/<host:port>} (the {@code children}
     * format), creating the parents as needed. Blocks until the node exists.
     *
     * @param client a started Curator client
     * @param path   the parent path
     * @param server the server
     * @return the registration
     * @throws ZooKeeperDiscoveryException when ZooKeeper refuses or cannot be reached
     */
    public static ZooKeeperRegistration children(CuratorFramework client, String path, ServerAddress server) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Registers {@code server} as a Curator x-discovery {@code ServiceInstance} of {@code service} under
     * {@code basePath} (the {@code curator} format, as Spring Cloud Zookeeper does). Blocks until the node
     * exists.
     *
     * @param client   a started Curator client
     * @param basePath the x-discovery base path
     * @param service  the service name
     * @param server   the server
     * @return the registration
     * @throws ZooKeeperDiscoveryException when ZooKeeper refuses or cannot be reached
     */
    public static ZooKeeperRegistration curator(CuratorFramework client, String basePath, String service,
                                                ServerAddress server) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * The server registered.
     *
     * @return the server
     */
    public ServerAddress server() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Deletes the node. Idempotent.
     */
    @Override
    public void close() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
