package dev.connpool.sample;

import dev.connpool.ServerAddress;
import dev.connpool.zookeeper.ZooKeeperRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code zookeeper} profile's side of the backends: each embedded backend registered in ZooKeeper as an
 * ephemeral child {@code <path>/<host:port>} ({@link ZooKeeperRegistration}, the children format) through a
 * Curator client of its own, as a backend would register itself; and the embedded ZooKeeper server, when
 * the app runs one. A backend can {@link #leave} ZooKeeper (its node is deleted: the pool drains it) and
 * {@link #join} again. Thread-safe.
 */
public final class ZooKeeperBackends implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperBackends.class);

    private final EmbeddedZooKeeper server;
    private final CuratorFramework client;
    private final String path;
    private final EmbeddedBackends backends;
    private final List<ZooKeeperRegistration> registrations;

    private ZooKeeperBackends(EmbeddedZooKeeper server, CuratorFramework client, String path, EmbeddedBackends backends) {
        this.server = server;
        this.client = client;
        this.path = path;
        this.backends = backends;
        this.registrations = new ArrayList<>(java.util.Collections.nCopies(backends.servers().size(), null));
    }

    /**
     * Connects to ZooKeeper and registers every backend under {@code path}.
     *
     * @param server        the embedded server, closed with this; null when ZooKeeper runs elsewhere
     * @param connectString where ZooKeeper is
     * @param path          the parent path of the registrations
     * @param backends      the backends
     */
    static ZooKeeperBackends start(EmbeddedZooKeeper server, String connectString, String path,
                                   EmbeddedBackends backends) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(5_000)
                .retryPolicy(new ExponentialBackoffRetry(200, 3))
                .build();
        client.start();
        ZooKeeperBackends zooKeeper = new ZooKeeperBackends(server, client, path, backends);
        try {
            if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no connection to ZooKeeper at " + connectString + " within 10 s");
            }
            for (int i = 0; i < backends.servers().size(); i++) {
                zooKeeper.join(i);
            }
        } catch (RuntimeException | InterruptedException e) {
            zooKeeper.close();
            throw e;
        }
        return zooKeeper;
    }

    /** Where the backends register. */
    public String path() {
        return path;
    }

    /** Whether backend {@code index} is registered now. */
    public synchronized boolean isRegistered(int index) {
        backends.get(index); // checks the index
        return registrations.get(index) != null;
    }

    /**
     * Registers backend {@code index} (again): the pool adds it.
     *
     * @return false when it was registered already
     */
    public synchronized boolean join(int index) {
        LineServer backend = backends.get(index);
        if (registrations.get(index) != null) {
            return false;
        }
        registrations.set(index, ZooKeeperRegistration.children(client, path, ServerAddress.parse(backend.address())));
        return true;
    }

    /**
     * Deletes backend {@code index}'s node: the pool drains it (the backend itself keeps running).
     *
     * @return false when it was not registered
     */
    public synchronized boolean leave(int index) {
        backends.get(index);
        ZooKeeperRegistration registration = registrations.set(index, null);
        if (registration == null) {
            return false;
        }
        registration.close();
        return true;
    }

    /** Deregisters every backend, closes the client, and stops the embedded server if there is one. */
    @Override
    public synchronized void close() {
        for (int i = 0; i < registrations.size(); i++) {
            ZooKeeperRegistration registration = registrations.set(i, null);
            if (registration != null) {
                registration.close();
            }
        }
        client.close();
        if (server != null) {
            server.close();
        }
        log.info("backends deregistered from ZooKeeper at {}", path);
    }
}
