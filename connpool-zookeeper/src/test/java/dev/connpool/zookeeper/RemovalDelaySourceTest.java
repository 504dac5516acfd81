package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.connpool.MultiPool;
import dev.connpool.PoolListener;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;

/**
 * The source with a removal delay: a node deleted and created again (what Curator's ServiceDiscovery does on
 * every reconnection, and what a mass session expiry looks like) does not drain the server; one that stays
 * away is drained once the delay has passed. The delay runs on a clock moved by hand.
 */
class RemovalDelaySourceTest {

    private static final String PATH = "/services/echo";
    private static final ServerAddress A = ServerAddress.of("127.0.0.1", 10_001);
    private static final ServerAddress B = ServerAddress.of("127.0.0.1", 10_002);
    private static final Duration DELAY = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock();
    private final List<ServerAddress> drained = new CopyOnWriteArrayList<>();
    private TestingServer zk;
    private CuratorFramework client;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer();
        client = Zk.client(zk.getConnectString());
        pool = poolRecordingDrainsIn("delay", drained);
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + A);
        client.create().forPath(PATH + "/" + B);
    }

    private static MultiPool<SocketConnection> poolRecordingDrainsIn(String name, List<ServerAddress> drained) {
        return MultiPool.builder(SocketConnectionFactory.builder().build()).name(name)
                .listener(new PoolListener() {
                    @Override
                    public void serverRemoved(String pool, ServerAddress server) {
                        drained.add(server);
                    }
                }).build();
    }

    @AfterEach
    void closeEverything() {
        Zk.closeQuietly(source, pool, client, zk);
    }

    private void start(Duration delay) {
        source = ZooKeeperServerSource.builder(client, pool).path(PATH).removalDelay(delay).clock(clock).build();
        source.start();
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);
    }

    /** Deletes B's node and waits for the source to have read the path without it. */
    private void deleteBAndAwaitTheRead() throws Exception {
        client.delete().forPath(PATH + "/" + B);
        within(Duration.ofSeconds(5)).until(() -> Zk.nodeCount(source.state()) == 1);
    }

    @Test
    void aNodeDeletedAndCreatedAgainWithinTheDelayIsNotDrained() throws Exception {
        start(DELAY);
        deleteBAndAwaitTheRead();
        assertThat(source.state().removing()).containsExactly(B);
        assertThat(source.state().servers()).containsExactly(A);
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);

        clock.advance(DELAY.minusSeconds(1));
        client.create().forPath(PATH + "/" + B);
        within(Duration.ofSeconds(5)).until(() -> Zk.nodeCount(source.state()) == 2);
        assertThat(source.state().removing()).isEmpty();
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(drained).as("drained at no point").isEmpty();
    }

    @Test
    void aNodeThatStaysAwayIsDrainedOnceTheDelayHasPassed() throws Exception {
        start(DELAY);
        deleteBAndAwaitTheRead();
        clock.advance(DELAY.minusMillis(1));
        client.create().forPath(PATH + "/unrelated-bad-node"); // any change: a read
        within(Duration.ofSeconds(5)).until(() -> Zk.nodeCount(source.state()) == 2);
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);

        clock.advance(Duration.ofMillis(1));
        client.delete().forPath(PATH + "/unrelated-bad-node");
        within(Duration.ofSeconds(5)).until(() -> pool.servers().equals(Set.of(A)));
        assertThat(source.state().removing()).isEmpty();
        assertThat(drained).containsExactly(B);
    }

    @Test
    void withoutADelayTheDeleteAndCreateDrainsTheServer() throws Exception {
        start(Duration.ZERO); // the behaviour before the removal delay, the one that drained healthy servers
        deleteBAndAwaitTheRead();
        assertThat(pool.servers()).containsExactly(A);
        client.create().forPath(PATH + "/" + B);
        within(Duration.ofSeconds(5)).until(() -> pool.servers().equals(Set.of(A, B)));
        assertThat(drained).containsExactly(B);
    }

    @Test
    void curatorsServiceDiscoveryRegisteringAgainOnReconnectionDrainsNothing() throws Exception {
        try (TcpProxy proxy = new TcpProxy(zk.getPort())) {
            CuratorFramework registrar = Zk.client(proxy.connectString(), 10_000);
            try (registrar; ZooKeeperRegistration c = ZooKeeperRegistration.curator(registrar, "/discovery", "echo",
                    ServerAddress.of("127.0.0.1", 10_003))) {
                MultiPool<SocketConnection> curatorPool = poolRecordingDrainsIn("curator-delay", drained);
                ZooKeeperServerSource curatorSource = ZooKeeperServerSource.builder(client, curatorPool)
                        .path("/discovery").format(DiscoveryFormat.CURATOR).service("echo").build();
                try (curatorPool; curatorSource) {
                    curatorSource.start();
                    // ServiceDiscovery may register in the background: the first read can come before its node.
                    within(Duration.ofSeconds(5)).until(() -> curatorPool.servers().equals(Set.of(c.server())));
                    long created = createdZxid(registrar);

                    proxy.stop(); // the registrar's connection drops; its session lives on (10 s)
                    within(Duration.ofSeconds(10)).until(() -> !registrar.getZookeeperClient().isConnected());
                    proxy.restart(); // reconnected: ServiceDiscovery deletes its node and creates it again
                    within(Duration.ofSeconds(10)).until(() -> createdZxid(registrar) > created);
                    within(Duration.ofSeconds(5)).until(() -> Zk.nodeCount(curatorSource.state()) == 1
                            && curatorSource.state().removing().isEmpty());
                    assertThat(curatorPool.servers()).containsExactly(c.server());
                    assertThat(drained).as("drained at no point").isEmpty();
                }
            }
        }
    }

    private static long createdZxid(CuratorFramework client) throws Exception {
        List<String> ids = client.getChildren().forPath("/discovery/echo");
        if (ids.size() != 1) {
            return -1;
        }
        var stat = client.checkExists().forPath("/discovery/echo/" + ids.get(0));
        return stat == null ? -1 : stat.getCzxid();
    }

    @Test
    void theDelayRunsOutWithoutAnyOtherChange() throws Exception {
        source = ZooKeeperServerSource.builder(client, pool).path(PATH).removalDelay(Duration.ofMillis(300)).build();
        source.start(); // the system clock: a read is scheduled for when the removal is due
        client.delete().forPath(PATH + "/" + B);
        within(Duration.ofSeconds(5)).until(() -> pool.servers().equals(Set.of(A)));
        assertThat(drained).containsExactly(B);
    }
}
