package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSourceState;
import dev.connpool.SocketConnection;

/** Settings, start and close, and what the source does when the pool or ZooKeeper is not there. */
class LifecycleTest {

    private static final String PATH = "/services/echo";
    private static final ServerAddress A = ServerAddress.of("127.0.0.1", 10_001);
    private static final ServerAddress B = ServerAddress.of("127.0.0.1", 10_002);

    private TestingServer zk;
    private CuratorFramework client;
    private CuratorFramework other;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer();
        client = Zk.client(zk.getConnectString());
        pool = Zk.pool("lifecycle");
    }

    @AfterEach
    void closeEverything() {
        Zk.closeQuietly(source, pool, client, other, zk);
    }

    private ZooKeeperServerSource.Builder builder() {
        return ZooKeeperServerSource.builder(client, pool);
    }

    @Test
    void badSettingsAreRefusedNamingTheSettingAndTheValue() {
        assertThatThrownBy(() -> builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'path'").hasMessageContaining("null");
        assertThatThrownBy(() -> builder().path("services/echo").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'path'").hasMessageContaining("\"services/echo\"");
        assertThatThrownBy(() -> builder().path("/services/echo/").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'path'").hasMessageContaining("\"/services/echo/\"");
        assertThatThrownBy(() -> builder().path("/services//echo").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'path'").hasMessageContaining("\"/services//echo\"");
        assertThatThrownBy(() -> builder().path("").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'path'");
        assertThatThrownBy(() -> builder().path(PATH).format(DiscoveryFormat.CURATOR).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'service'").hasMessageContaining("CURATOR").hasMessageContaining("null");
        assertThatThrownBy(() -> builder().path(PATH).format(DiscoveryFormat.CURATOR).service(" ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'service'");
        assertThatThrownBy(() -> builder().path(PATH).format(DiscoveryFormat.CURATOR).service("a/b").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'service'").hasMessageContaining("\"a/b\"");
        assertThatThrownBy(() -> builder().path(PATH).service("echo").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'service'").hasMessageContaining("\"echo\"").hasMessageContaining("CHILDREN");
        assertThatThrownBy(() -> builder().path(PATH).initialSyncTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'initial-sync-timeout'").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> builder().path(PATH).initialSyncTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'initial-sync-timeout'").hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> builder().path(PATH).initialSyncTimeout(null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'initial-sync-timeout'");
        assertThatThrownBy(() -> builder().format(null)).isInstanceOf(NullPointerException.class);

        assertThatNoException().isThrownBy(() -> builder().path("/").build().close());
        assertThatNoException().isThrownBy(() -> builder().path("/discovery").format(DiscoveryFormat.CURATOR)
                .service("echo").initialSyncTimeout(Duration.ofMillis(1)).build().close());
    }

    @Test
    void settingErrorsCarryTheSettingTheValueAndTheReasonAsFields() {
        assertRefused(() -> builder().build(), "path", null, "is required");
        assertRefused(() -> builder().path("services/echo").build(), "path", "services/echo",
                "absolute ZooKeeper path");
        assertRefused(() -> builder().path("/a/../b").build(), "path", "/a/../b", "relative");
        assertRefused(() -> builder().path(PATH).format(DiscoveryFormat.CURATOR).build(), "service", null, "CURATOR");
        assertRefused(() -> builder().path(PATH).format(DiscoveryFormat.CURATOR).service("..").build(),
                "service", "..", "one ZooKeeper node name");
        assertRefused(() -> builder().path(PATH).service("echo").build(), "service", "echo", "only for format CURATOR");
        assertRefused(() -> builder().path(PATH).initialSyncTimeout(Duration.ZERO).build(),
                "initial-sync-timeout", "PT0S", "positive");
        assertRefused(() -> builder().path(PATH).removalDelay(Duration.ofMillis(-1)).build(),
                "removal-delay", "PT-0.001S", "zero");
        assertRefused(() -> builder().path(PATH).removalDelay(null).build(), "removal-delay", null, "zero");
        assertThatNoException().isThrownBy(() -> builder().path(PATH).removalDelay(Duration.ZERO).build().close());
    }

    private static void assertRefused(Runnable build, String setting, String value, String reason) {
        try {
            build.run();
        } catch (InvalidDiscoverySettingException e) {
            assertThat(e.setting()).isEqualTo(setting);
            assertThat(e.value()).isEqualTo(value);
            assertThat(e.reason()).contains(reason);
            assertThat(e.getMessage()).contains("'" + setting + "'").contains(e.reason());
            return;
        }
        throw new AssertionError("not refused: " + setting + " = " + value);
    }

    @Test
    void startsOnceClosesIdempotentlyAndStopsFollowingWhenClosed() throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + A);
        source = builder().path(PATH).build();
        assertThat(source.state().synced()).isFalse();
        source.start();
        assertThat(pool.servers()).containsExactly(A);
        assertThatThrownBy(source::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("started");
        assertThat(watcherThreadAlive()).isTrue();

        source.close();
        source.close();
        // the executor is terminated when close() returns; its thread ends an instant later
        within(Duration.ofSeconds(2)).until(() -> !watcherThreadAlive());
        assertThatThrownBy(source::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");

        // no longer followed; the pool keeps what it had
        client.create().forPath(PATH + "/" + B);
        MultiPool<SocketConnection> second = Zk.pool("second"); // a second source sees the change
        try (ZooKeeperServerSource s = ZooKeeperServerSource.builder(client, second).path(PATH).build()) {
            s.start();
            assertThat(second.servers()).containsExactlyInAnyOrder(A, B);
        } finally {
            second.close();
        }
        assertThat(pool.servers()).containsExactly(A);
        assertThatNoException().isThrownBy(() -> builder().path(PATH).build().close()); // never started
    }

    @Test
    void stopsQuietlyWhenThePoolIsClosedUnderIt() throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + A);
        source = builder().path(PATH).build();
        source.start();
        pool.close();

        client.create().forPath(PATH + "/" + B); // the source tries to update the closed pool
        within(Duration.ofSeconds(2)).until(() -> !watcherThreadAlive());
        assertThat(source.state().lastError()).contains("pool was closed");
        assertThatNoException().isThrownBy(source::close);
    }

    @Test
    void aClientNotStartedYetIsSyncedOnceItConnects() throws Exception {
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + A);
        other = Zk.unstartedClient(zk.getConnectString(), 10_000);
        pool.addServer(B);
        source = ZooKeeperServerSource.builder(other, pool).path(PATH).build();
        long started = System.nanoTime();
        source.start();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        ServerSourceState state = source.state();
        assertThat(state.connected()).isFalse();
        assertThat(state.synced()).isFalse();
        assertThat(state.lastError()).contains("not connected");
        assertThat(pool.servers()).containsExactly(B);

        other.start();
        within(Duration.ofSeconds(5)).until(() -> pool.servers().equals(Set.of(A)));
        state = source.state();
        assertThat(state.connected()).isTrue();
        assertThat(state.synced()).isTrue();
        assertThat(state.lastError()).isNull();
    }

    @Test
    void startDoesNotWaitForAnUnreachableZooKeeper() throws Exception {
        zk.stop();
        other = Zk.unstartedClient(zk.getConnectString(), 1_000); // connection timeout 1 s
        other.start();
        pool.addServer(A);
        source = ZooKeeperServerSource.builder(other, pool).path(PATH).build();
        long started = System.nanoTime();
        source.start();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(source.state().connected()).isFalse();
        assertThat(pool.servers()).containsExactly(A);

        assertThatThrownBy(() -> ZooKeeperRegistration.children(other, PATH, B))
                .isInstanceOf(ZooKeeperDiscoveryException.class).hasMessageContaining(PATH + "/" + B);
        assertThatThrownBy(() -> ZooKeeperRegistration.curator(other, "/discovery", "echo", B))
                .isInstanceOf(ZooKeeperDiscoveryException.class).hasMessageContaining("/discovery/echo/");

        zk.restart();
        client.blockUntilConnected();
        client.create().creatingParentsIfNeeded().forPath(PATH + "/" + B);
        within(Duration.ofSeconds(10)).until(() -> pool.servers().equals(Set.of(B)));
    }

    @Test
    void registrationsCreateParentsAndCloseIdempotently() throws Exception {
        ZooKeeperRegistration children = ZooKeeperRegistration.children(client, "/a/b/c", A);
        assertThat(children.server()).isEqualTo(A);
        assertThat(client.getChildren().forPath("/a/b/c")).containsExactly(A.toString());
        assertThat(client.checkExists().forPath("/a/b/c/" + A).getEphemeralOwner()).isNotZero();
        ZooKeeperRegistration curator = ZooKeeperRegistration.curator(client, "/x/y", "echo", B);
        assertThat(curator.server()).isEqualTo(B);
        assertThat(client.getChildren().forPath("/x/y/echo")).hasSize(1);

        children.close();
        children.close();
        curator.close();
        curator.close();
        assertThat(client.getChildren().forPath("/a/b/c")).isEmpty();
        assertThat(client.getChildren().forPath("/x/y/echo")).isEmpty();

        assertThatThrownBy(() -> ZooKeeperRegistration.children(client, "relative", A))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"relative\"");
        assertThatThrownBy(() -> ZooKeeperRegistration.curator(client, "/x", "a/b", A))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a/b\"");
    }

    private static boolean watcherThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("connpool-lifecycle-zookeeper") && t.isAlive());
    }
}
