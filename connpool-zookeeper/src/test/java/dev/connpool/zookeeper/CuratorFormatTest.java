package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSourceState;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;

/** The {@code curator} format: Curator x-discovery {@code ServiceInstance}s, as Spring Cloud Zookeeper writes them. */
class CuratorFormatTest {

    private static final String BASE = "/discovery";
    private static final String SERVICE = "echo";
    private static final String SERVICE_PATH = BASE + "/" + SERVICE;

    private TestingServer zk;
    private CuratorFramework client;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;
    private ServiceDiscovery<String> discovery;
    private final List<ZooKeeperRegistration> registrations = new ArrayList<>();
    private final List<TestServer> servers = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer();
        client = Zk.client(zk.getConnectString());
        pool = Zk.pool("curator");
        discovery = ServiceDiscoveryBuilder.builder(String.class).client(client).basePath(BASE).build();
        discovery.start();
    }

    @AfterEach
    void closeEverything() {
        registrations.forEach(Zk::closeQuietly);
        Zk.closeQuietly(source, discovery, pool, client, zk);
        servers.forEach(TestServer::close);
    }

    private ServerAddress server() throws Exception {
        TestServer server = TestServer.start();
        servers.add(server);
        return server.address();
    }

    private void start() {
        source = ZooKeeperServerSource.builder(client, pool)
                .path(BASE).format(DiscoveryFormat.CURATOR).service(SERVICE)
                .removalDelay(Duration.ZERO).build(); // follows at once
        source.start();
    }

    @Test
    void findsInstancesOfCuratorsServiceDiscoveryAndOfZooKeeperRegistrationAndFollowsUpdates() throws Exception {
        ServerAddress a = server();
        ServerAddress b = server();
        ServerAddress moved = server();
        ServiceInstance<String> instance = ServiceInstance.<String>builder()
                .name(SERVICE).address(a.host()).port(a.port()).payload("some payload").build();
        discovery.registerService(instance);

        start();
        assertThat(pool.servers()).containsExactly(a);
        ServerSourceState state = source.state();
        assertThat(state.target()).isEqualTo(SERVICE_PATH);
        assertThat(source.format()).isEqualTo(DiscoveryFormat.CURATOR);
        assertThat(state.kind()).isEqualTo("zookeeper");
        assertThat(Zk.nodeCount(state)).isEqualTo(1);

        registrations.add(ZooKeeperRegistration.curator(client, BASE, SERVICE, b));
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(a, b)));
        assertThat(pool.<String>execute(c -> Lines.roundTrip(c, "PING"))).isEqualTo("PONG");
        // what ZooKeeperRegistration wrote, Curator reads
        assertThat(discovery.queryForInstances(SERVICE)).extracting(ServiceInstance::getPort)
                .containsExactlyInAnyOrder(a.port(), b.port());

        // an instance's data changes: the server is replaced
        discovery.updateService(ServiceInstance.<String>builder().id(instance.getId())
                .name(SERVICE).address(moved.host()).port(moved.port()).build());
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(moved, b)));

        discovery.unregisterService(instance);
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(b)));
        registrations.get(0).close();
        within(Zk.FOLLOW).until(() -> pool.servers().isEmpty());
        assertThat(Zk.nodeCount(source.state())).isZero();
    }

    @Test
    void readsSpringCloudZookeeperInstancesSslPortsAndSkipsBadOnes() throws Exception {
        ServerAddress spring = server();
        ServerAddress ssl = server();
        ServerAddress fixed = server();
        // as Spring Cloud Zookeeper writes it: a payload whose class this JVM does not have
        write("spring-1", "{\"name\":\"echo\",\"id\":\"spring-1\",\"address\":\"" + spring.host() + "\",\"port\":"
                + spring.port() + ",\"sslPort\":null,\"payload\":{\"@class\":"
                + "\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"echo\",\"name\":\"echo\","
                + "\"metadata\":{\"instance_status\":\"UP\"}},\"registrationTimeUTC\":1700000000000,"
                + "\"serviceType\":\"DYNAMIC\",\"uriSpec\":{\"parts\":[{\"value\":\"scheme\",\"variable\":true}]}}");
        write("ssl-only", "{\"name\":\"echo\",\"id\":\"ssl-only\",\"address\":\"" + ssl.host() + "\",\"port\":null,"
                + "\"sslPort\":" + ssl.port() + "}");
        write("disabled", "{\"name\":\"echo\",\"address\":\"127.0.0.1\",\"port\":1,\"enabled\":false}");
        write("broken", "{not json");
        write("no-address", "{\"name\":\"echo\",\"port\":80}");
        write("no-port", "{\"name\":\"echo\",\"address\":\"127.0.0.1\"}");
        write("bad-port", "{\"name\":\"echo\",\"address\":\"127.0.0.1\",\"port\":70000}");
        write("empty", "");

        try (LogCapture log = new LogCapture()) {
            start();
            assertThat(pool.servers()).containsExactlyInAnyOrder(spring, ssl);
            ServerSourceState state = source.state();
            assertThat(Zk.skippedNames(state)).containsExactlyInAnyOrder("broken", "no-address", "no-port", "bad-port", "empty",
                    "disabled");
            assertThat(state.skipped()).contains("disabled: disabled (\"enabled\": false)");
            assertThat(Zk.nodeCount(state)).isEqualTo(8);

            // other changes: read again, the bad ones are not logged again
            ServerAddress other = server();
            registrations.add(ZooKeeperRegistration.curator(client, BASE, SERVICE, other));
            within(Zk.FOLLOW).until(() -> pool.servers().contains(other));
            // fixing a bad instance brings it in, and it is no longer listed
            client.setData().forPath(SERVICE_PATH + "/broken", json(fixed));
            within(Zk.FOLLOW).until(() -> pool.servers().contains(fixed));
            assertThat(Zk.skippedNames(source.state())).containsExactlyInAnyOrder("no-address", "no-port", "bad-port",
                    "empty", "disabled");
            assertThat(pool.servers()).containsExactlyInAnyOrder(spring, ssl, other, fixed);

            assertThat(log.count("skipped node " + SERVICE_PATH + "/broken: not JSON")).isEqualTo(1);
            assertThat(log.count("skipped node " + SERVICE_PATH + "/no-port: neither")).isEqualTo(1);
            assertThat(log.count("skipped node " + SERVICE_PATH + "/disabled")).isZero();
        }
    }

    private void write(String id, String json) throws Exception {
        client.create().creatingParentsIfNeeded().forPath(SERVICE_PATH + "/" + id, json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] json(ServerAddress server) {
        return ("{\"name\":\"echo\",\"address\":\"" + server.host() + "\",\"port\":" + server.port() + "}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
