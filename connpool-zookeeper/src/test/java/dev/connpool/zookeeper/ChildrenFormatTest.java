package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.connpool.Lease;
import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSourceState;
import dev.connpool.ServerStats;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;

/** The {@code children} format: child names are {@code host:port}. */
class ChildrenFormatTest {

    private static final String PATH = "/services/echo";

    private TestingServer zk;
    private CuratorFramework client;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;
    private final List<TestServer> servers = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer();
        client = Zk.client(zk.getConnectString());
        pool = Zk.pool("children");
    }

    @AfterEach
    void closeEverything() {
        Zk.closeQuietly(source, pool, client, zk);
        servers.forEach(TestServer::close);
    }

    private TestServer server() throws Exception {
        TestServer server = TestServer.start();
        servers.add(server);
        return server;
    }

    private void register(ServerAddress server) throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + server);
    }

    private void deregister(ServerAddress server) throws Exception {
        client.delete().forPath(PATH + "/" + server);
    }

    private ZooKeeperServerSource start() {
        // removal delay 0: follows ZooKeeper at once (the delay has tests of its own)
        source = ZooKeeperServerSource.builder(client, pool).path(PATH).removalDelay(Duration.ZERO).build();
        source.start();
        return source;
    }

    @Test
    void followsChildrenAddedAndRemovedAndLetsLeasesOnRemovedServersFinish() throws Exception {
        ServerAddress a = server().address();
        ServerAddress b = server().address();
        ServerAddress c = server().address();
        register(a);
        register(b);

        start();
        assertThat(pool.servers()).as("set by start(), before it returned").containsExactlyInAnyOrder(a, b);
        ServerSourceState state = source.state();
        assertThat(state.connected()).isTrue();
        assertThat(state.synced()).isTrue();
        assertThat(state.lastUpdate()).isNotNull();
        assertThat(Zk.nodeCount(state)).isEqualTo(2);
        assertThat(state.servers()).containsExactlyInAnyOrder(a, b);
        assertThat(state.skipped()).isEmpty();
        assertThat(state.lastError()).isNull();
        assertThat(state.target()).isEqualTo(PATH);
        assertThat(source.format()).isEqualTo(DiscoveryFormat.CHILDREN);

        Lease<SocketConnection> held = pool.borrow(a);
        assertThat(Lines.roundTrip(held.connection(), "PING")).isEqualTo("PONG");

        register(c);
        within(Zk.FOLLOW).until(() -> pool.servers().contains(c));

        deregister(a);
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(b, c)));
        assertThat(source.state().servers()).containsExactlyInAnyOrder(b, c);

        // the lease on the removed server goes on working, then its connection is closed as it comes back
        assertThat(Lines.roundTrip(held.connection(), "still here")).isEqualTo("still here");
        held.close();
        within(Duration.ofSeconds(2)).until(() -> {
            ServerStats s = Zk.stats(pool, a);
            return s == null || s.created() == s.destroyed();
        });
        assertThat(pool.<String>execute(conn -> Lines.roundTrip(conn, "PING"))).isEqualTo("PONG");
    }

    @Test
    void anEmptyPathMeansNoServers() throws Exception {
        ServerAddress a = server().address();
        register(a);
        start();
        assertThat(pool.servers()).containsExactly(a);

        deregister(a);
        within(Zk.FOLLOW).until(() -> pool.servers().isEmpty());
        assertThat(Zk.nodeCount(source.state())).isZero();
        assertThat(source.state().lastError()).isNull();
    }

    @Test
    void aMissingPathKeepsTheServersAndIsFollowedOnceCreated() throws Exception {
        ServerAddress a = server().address();
        ServerAddress b = server().address();
        pool.addServer(a); // say, from static configuration

        start();
        assertThat(pool.servers()).containsExactly(a);
        ServerSourceState state = source.state();
        assertThat(state.lastError()).contains(PATH).contains("does not exist");
        assertThat(state.synced()).isFalse();

        register(b); // creates the path too
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(b)));
        assertThat(source.state().lastError()).isNull();
        assertThat(source.state().synced()).isTrue();

        // the path deleted again: the servers are kept, and a new path is followed
        deregister(b);
        within(Zk.FOLLOW).until(() -> pool.servers().isEmpty());
        client.delete().forPath(PATH);
        within(Zk.FOLLOW).until(() -> source.state().lastError() != null);
        register(a);
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(a)));
    }

    @Test
    void badChildrenAreSkippedListedAndLoggedOnce() throws Exception {
        ServerAddress good = server().address();
        register(good);
        for (String bad : List.of("not-a-port", "host:99999", ":80")) {
            client.create().creatingParentsIfNeeded().forPath(PATH + "/" + bad);
        }
        try (LogCapture log = new LogCapture()) {
            start();
            assertThat(pool.servers()).containsExactly(good);
            ServerSourceState state = source.state();
            assertThat(Zk.skippedNames(state)).containsExactlyInAnyOrder("not-a-port", "host:99999", ":80");
            assertThat(Zk.nodeCount(state)).isEqualTo(4);
            assertThat(state.servers()).containsExactly(good);

            // more changes: the bad ones are not logged again
            ServerAddress other = server().address();
            register(other);
            within(Zk.FOLLOW).until(() -> pool.servers().contains(other));
            deregister(other);
            within(Zk.FOLLOW).until(() -> !pool.servers().contains(other));
            client.create().withMode(CreateMode.PERSISTENT).forPath(PATH + "/also:bad:name");
            within(Zk.FOLLOW).until(() -> Zk.skippedNames(source.state()).contains("also:bad:name"));
            assertThat(pool.<String>execute(conn -> Lines.roundTrip(conn, "PING"))).isEqualTo("PONG");

            assertThat(log.count("skipped node " + PATH + "/not-a-port:")).isEqualTo(1);
            assertThat(log.count("skipped node " + PATH + "/host:99999:")).isEqualTo(1);
            assertThat(log.count("skipped node " + PATH + "/:80:")).isEqualTo(1);
            assertThat(log.count("skipped node " + PATH + "/also:bad:name:")).isEqualTo(1);
            assertThat(log.text()).contains("port 99999 is outside 1..65535");
        }
    }
}
