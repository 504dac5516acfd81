package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;

/**
 * The servers' ZooKeeper session expires (their client is cut off from ZooKeeper for longer than the
 * session timeout, so ZooKeeper itself ends the session): their ephemeral nodes vanish and the pools drain
 * them; when the client reconnects, the registrations are made again and the pools take them back.
 */
class SessionExpiryTest {

    private static final Duration EXPIRY = Duration.ofSeconds(10);

    private TestingServer zk;
    private TcpProxy proxy;
    private CuratorFramework registrar;
    private CuratorFramework client;
    private MultiPool<SocketConnection> childrenPool;
    private MultiPool<SocketConnection> curatorPool;
    private ZooKeeperServerSource childrenSource;
    private ZooKeeperServerSource curatorSource;
    private final List<ZooKeeperRegistration> registrations = new ArrayList<>();
    private final List<TestServer> servers = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        registrations.forEach(Zk::closeQuietly);
        Zk.closeQuietly(childrenSource, curatorSource, childrenPool, curatorPool, registrar, client, proxy, zk);
        servers.forEach(TestServer::close);
    }

    private ServerAddress server() throws Exception {
        TestServer server = TestServer.start();
        servers.add(server);
        return server.address();
    }

    @Test
    void expiredRegistrationsAreDrainedAndComeBack() throws Exception {
        zk = Zk.fastServer();
        proxy = new TcpProxy(zk.getPort());
        registrar = Zk.client(proxy.connectString(), 1_500);
        client = Zk.client(zk.getConnectString());
        ServerAddress a = server();
        ServerAddress b = server();
        ServerAddress c = server();
        ServerAddress stays = server();
        registrations.add(ZooKeeperRegistration.children(registrar, "/services/echo", a));
        registrations.add(ZooKeeperRegistration.children(registrar, "/services/echo", b));
        registrations.add(ZooKeeperRegistration.curator(registrar, "/discovery", "echo", c));
        registrations.add(ZooKeeperRegistration.children(client, "/services/echo", stays)); // another session

        childrenPool = Zk.pool("children");
        curatorPool = Zk.pool("curator");
        // removal delay 0: the old behaviour, ZooKeeper followed at once (RemovalDelay*Test and HiccupTest: the default)
        childrenSource = ZooKeeperServerSource.builder(client, childrenPool).path("/services/echo")
                .removalDelay(Duration.ZERO).build();
        curatorSource = ZooKeeperServerSource.builder(client, curatorPool)
                .path("/discovery").format(DiscoveryFormat.CURATOR).service("echo")
                .removalDelay(Duration.ZERO).build();
        childrenSource.start();
        curatorSource.start();
        assertThat(childrenPool.servers()).containsExactlyInAnyOrder(a, b, stays);
        assertThat(curatorPool.servers()).containsExactly(c);

        proxy.stop(); // the registrar's session ends on the ZooKeeper side after 1.5 s
        within(EXPIRY).until(() -> childrenPool.servers().equals(Set.of(stays)));
        within(EXPIRY).until(() -> curatorPool.servers().isEmpty());
        assertThat(childrenSource.state().connected()).as("the sources' own session is fine").isTrue();
        assertThat(Zk.nodeCount(childrenSource.state())).isEqualTo(1);

        proxy.restart();
        within(EXPIRY).until(() -> childrenPool.servers().equals(Set.of(a, b, stays)));
        within(EXPIRY).until(() -> curatorPool.servers().equals(Set.of(c)));

        registrations.forEach(ZooKeeperRegistration::close);
        within(Duration.ofSeconds(2)).until(() -> childrenPool.servers().isEmpty() && curatorPool.servers().isEmpty());
    }

    @Test
    void aSessionExpiredByTheClientIsRegisteredAgain() throws Exception {
        zk = Zk.fastServer();
        registrar = Zk.client(zk.getConnectString(), 1_500);
        client = Zk.client(zk.getConnectString());
        ServerAddress a = server();
        ServerAddress c = server();
        registrations.add(ZooKeeperRegistration.children(registrar, "/services/echo", a));
        registrations.add(ZooKeeperRegistration.curator(registrar, "/discovery", "echo", c));
        long before = registrar.getZookeeperClient().getZooKeeper().getSessionId();

        registrar.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        within(EXPIRY).until(() -> registrar.getZookeeperClient().isConnected()
                && registrar.getZookeeperClient().getZooKeeper().getSessionId() != before);
        // The new session owns both nodes again: x-discovery deletes and creates its node at once; the
        // PersistentNode finds its node still there (the old session lives on in ZooKeeper until its 1.5 s
        // timeout, the client only believes it expired) and creates it again when ZooKeeper deletes it.
        within(EXPIRY).until(() -> owner(registrar, "/services/echo/" + a) == sessionOf(registrar)
                && curatorOwners(registrar).equals(Set.of(sessionOf(registrar))));
    }

    private static long sessionOf(CuratorFramework client) throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }

    private static long owner(CuratorFramework client, String path) throws Exception {
        var stat = client.checkExists().forPath(path);
        return stat == null ? -1 : stat.getEphemeralOwner();
    }

    private static Set<Long> curatorOwners(CuratorFramework client) throws Exception {
        Set<Long> owners = new java.util.HashSet<>();
        for (String id : client.getChildren().forPath("/discovery/echo")) {
            owners.add(owner(client, "/discovery/echo/" + id));
        }
        return owners;
    }
}
