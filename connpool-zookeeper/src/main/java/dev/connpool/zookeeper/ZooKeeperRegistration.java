package dev.connpool.zookeeper;

import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>A registration survives a lost session: the node is created again when the client reconnects. For the
 * {@code children} format Curator's {@link PersistentNode} recipe (in {@code EPHEMERAL} mode) keeps the node;
 * for the {@code curator} format Curator's {@link ServiceDiscovery} registers the instance again on every
 * (re)connection. Missing parents are created as container nodes, which ZooKeeper deletes once empty.
 *
 * <p>Note that Curator's {@code ServiceDiscovery} re-registers by deleting and creating the instance's node
 * on every reconnection, even when the session survived; a {@link ZooKeeperServerSource} that reads the
 * service between the two keeps the server for its removal delay, and the node is back long before.
 *
 * <p>Registering blocks until the node exists, at most the client's connection timeout
 * ({@code CuratorFrameworkFactory.Builder#connectionTimeoutMs}) plus, for {@code curator}, the client's retry
 * policy.
 */
public final class ZooKeeperRegistration implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperRegistration.class);

    private final ServerAddress server;
    private final String nodePath;
    private final PersistentNode node;
    private final ServiceDiscovery<Void> discovery;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ZooKeeperRegistration(ServerAddress server, String nodePath, PersistentNode node,
                                  ServiceDiscovery<Void> discovery) {
        this.server = server;
        this.nodePath = nodePath;
        this.node = node;
        this.discovery = discovery;
    }

    /**
     * Registers {@code server} as the ephemeral child {@code <path>/<host:port>} (the {@code children}
     * format), creating the parents as needed. Blocks until the node exists.
     *
     * @param client a started Curator client
     * @param path   the parent path
     * @param server the server
     * @return the registration
     * @throws InvalidDiscoverySettingException when a path or the service name is not valid
     * @throws ZooKeeperDiscoveryException when ZooKeeper refuses or cannot be reached
     */
    public static ZooKeeperRegistration children(CuratorFramework client, String path, ServerAddress server) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        String nodePath = ZKPaths.makePath(validPath("path", path), server.toString());
        long timeoutMillis = client.getZookeeperClient().getConnectionTimeoutMs();
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, nodePath, new byte[0]);
        boolean created;
        try {
            node.start();
            created = node.waitForInitialCreate(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(node, nodePath);
            throw new ZooKeeperDiscoveryException("interrupted while registering " + server + " at " + nodePath, e);
        } catch (RuntimeException e) {
            closeQuietly(node, nodePath);
            throw new ZooKeeperDiscoveryException("could not register " + server + " at " + nodePath + ": " + e, e);
        }
        if (!created) {
            closeQuietly(node, nodePath);
            throw new ZooKeeperDiscoveryException("could not register " + server + ": the ephemeral node " + nodePath
                    + " was not created within " + timeoutMillis + " ms (ZooKeeper unreachable, or not allowed)", null);
        }
        log.info("registered {} in zookeeper at {}", server, nodePath);
        return new ZooKeeperRegistration(server, nodePath, node, null);
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
     * @throws InvalidDiscoverySettingException when a path or the service name is not valid
     * @throws ZooKeeperDiscoveryException when ZooKeeper refuses or cannot be reached
     */
    public static ZooKeeperRegistration curator(CuratorFramework client, String basePath, String service,
                                                ServerAddress server) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        validPath("basePath", basePath);
        if (service == null || service.isBlank() || service.indexOf('/') >= 0
                || DiscoverySettings.pathProblem("/" + service) != null) {
            throw new InvalidDiscoverySettingException("service", service,
                    "must be a service name: one ZooKeeper node name (no '/', not '.' or '..')");
        }
        String id = UUID.randomUUID().toString();
        String nodePath = ZKPaths.makePath(ZKPaths.makePath(basePath, service), id);
        validPath("service", nodePath);
        ServiceInstance<Void> instance = new ServiceInstance<>(service, id, server.host(), server.port(), null, null,
                System.currentTimeMillis(), ServiceType.DYNAMIC, null, true);
        ServiceDiscovery<Void> discovery = ServiceDiscoveryBuilder.builder(Void.class)
                .client(client)
                .basePath(basePath)
                .watchInstances(false)
                .build();
        try {
            discovery.start(); // from here on it registers its instances again on every (re)connection
            if (!client.getZookeeperClient().blockUntilConnectedOrTimedOut()) {
                throw new ZooKeeperDiscoveryException("could not register " + server + " at " + nodePath
                        + ": not connected to ZooKeeper within " + client.getZookeeperClient().getConnectionTimeoutMs()
                        + " ms", null);
            }
            discovery.registerService(instance);
        } catch (ZooKeeperDiscoveryException e) {
            closeQuietly(discovery, nodePath);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(discovery, nodePath);
            throw new ZooKeeperDiscoveryException("interrupted while registering " + server + " at " + nodePath, e);
        } catch (Exception e) {
            closeQuietly(discovery, nodePath);
            throw new ZooKeeperDiscoveryException("could not register " + server + " at " + nodePath + ": " + e, e);
        }
        log.info("registered {} in zookeeper as instance {} of service '{}' at {}", server, id, service, nodePath);
        return new ZooKeeperRegistration(server, nodePath, null, discovery);
    }

    /**
     * The server registered.
     *
     * @return the server
     */
    public ServerAddress server() {
        return server;
    }

    /**
     * Deletes the node. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(node != null ? node : discovery, nodePath);
        log.info("deregistered {} from zookeeper ({})", server, nodePath);
    }

    @Override
    public String toString() {
        return "ZooKeeperRegistration[" + server + " at " + nodePath + (closed.get() ? ", closed" : "") + "]";
    }

    /** The path, checked by the rules {@link ZooKeeperServerSource} checks its own with. */
    private static String validPath(String setting, String path) {
        if (path == null) {
            throw new InvalidDiscoverySettingException(setting, null, "is required");
        }
        String problem = DiscoverySettings.pathProblem(path);
        if (problem != null) {
            throw new InvalidDiscoverySettingException(setting, path, problem);
        }
        return path;
    }

    private static void closeQuietly(AutoCloseable closeable, String nodePath) {
        try {
            closeable.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("could not delete {} from zookeeper (it goes when the session ends): {}", nodePath, e.toString());
        }
    }
}
