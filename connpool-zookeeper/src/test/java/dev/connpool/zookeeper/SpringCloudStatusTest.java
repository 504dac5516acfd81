package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;

/**
 * Instances as Spring Cloud Zookeeper 5.0.2 registers them (Curator's {@code ServiceInstance} JSON around its
 * {@code ZookeeperInstance} payload, the status in {@code payload.metadata.instance_status}, no
 * {@code enabled} field), written into a real ZooKeeper, behind real servers: an instance set
 * {@code OUT_OF_SERVICE} (what {@code POST /actuator/serviceregistry} does: the node's data rewritten) leaves
 * the pool at once (within {@link Zk#FOLLOW}), with the default removal delay, and gets no call after; back to
 * {@code UP}, it returns. Calls are made one at a time, so no call is under way when a count is read.
 */
class SpringCloudStatusTest {

    private static final String BASE = "/services"; // Spring Cloud Zookeeper's default root
    private static final String SERVICE = "orders-service";

    private TestingServer zk;
    private CuratorFramework client;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;
    private final List<TestServer> servers = new ArrayList<>();

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer();
        client = Zk.client(zk.getConnectString());
        pool = Zk.pool("spring-cloud");
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

    /** The node's JSON, field for field as Spring Cloud Zookeeper 5.0.2 (through Curator 5) writes it. */
    static byte[] springCloudInstance(String id, ServerAddress server, Integer sslPort, String status) {
        return ("{\"name\":\"" + SERVICE + "\",\"id\":\"" + id + "\",\"address\":\"" + server.host() + "\",\"port\":"
                + server.port() + ",\"sslPort\":" + sslPort + ",\"payload\":{\"@class\":"
                + "\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"" + SERVICE + "-"
                + server.port() + "\",\"name\":\"" + SERVICE + "\",\"metadata\":{\"instance_status\":\"" + status
                + "\"}},\"registrationTimeUTC\":1765100000000,\"serviceType\":\"DYNAMIC\",\"uriSpec\":{\"parts\":["
                + "{\"value\":\"scheme\",\"variable\":true},{\"value\":\"://\",\"variable\":false},"
                + "{\"value\":\"address\",\"variable\":true},{\"value\":\":\",\"variable\":false},"
                + "{\"value\":\"port\",\"variable\":true}]}}").getBytes(StandardCharsets.UTF_8);
    }

    private String register(ServerAddress server, Integer sslPort, String status) throws Exception {
        String id = UUID.randomUUID().toString();
        client.create().creatingParentsIfNeeded().forPath(node(id), springCloudInstance(id, server, sslPort, status));
        return id;
    }

    private void setStatus(String id, ServerAddress server, String status) throws Exception {
        client.setData().forPath(node(id), springCloudInstance(id, server, null, status));
    }

    private static String node(String id) {
        return BASE + "/" + SERVICE + "/" + id;
    }

    private void start(boolean useSslPort) {
        source = ZooKeeperServerSource.builder(client, pool).path(BASE).format(DiscoveryFormat.CURATOR)
                .service(SERVICE).useSslPort(useSslPort).build(); // the default removal delay
        assertThat(source.state().kind()).isEqualTo("zookeeper");
        source.start();
    }

    private void call(int times) {
        for (int i = 0; i < times; i++) {
            assertThat(pool.<String>execute(c -> Lines.roundTrip(c, "PING"))).isEqualTo("PONG");
        }
    }

    @Test
    void anInstanceOutOfServiceLeavesThePoolAtOnceAndGetsNoCallsUntilItIsUpAgain() throws Exception {
        TestServer a = server();
        TestServer b = server();
        TestServer parked = server();
        register(a.address(), null, "UP");
        String bId = register(b.address(), null, "UP");
        // spring.cloud.zookeeper.discovery.initial-status=OUT_OF_SERVICE
        register(parked.address(), null, "OUT_OF_SERVICE");

        start(false);
        assertThat(pool.servers()).containsExactlyInAnyOrder(a.address(), b.address());
        assertThat(source.state().skipped()).singleElement().asString()
                .endsWith(": instance_status OUT_OF_SERVICE, not UP");
        call(40);
        assertThat(b.requests()).isPositive();
        assertThat(parked.requests()).isZero();

        long changed = System.nanoTime();
        setStatus(bId, b.address(), "OUT_OF_SERVICE");
        within(Zk.FOLLOW).until(() -> !pool.servers().contains(b.address()));
        Duration followedIn = Duration.ofNanos(System.nanoTime() - changed);
        assertThat(source.state().removing()).as("not kept for the removal delay").isEmpty();
        int bBefore = b.requests();
        call(40);
        assertThat(b.requests()).as("calls to an OUT_OF_SERVICE instance").isEqualTo(bBefore);
        assertThat(parked.requests()).isZero();
        assertThat(followedIn).isLessThan(Zk.FOLLOW);

        setStatus(bId, b.address(), "UP");
        within(Zk.FOLLOW).until(() -> pool.servers().equals(Set.of(a.address(), b.address())));
        call(40);
        assertThat(b.requests()).as("back in service").isGreaterThan(bBefore);
    }

    @Test
    void aPoolSpeakingTlsReachesTheSslPort() throws Exception {
        TestServer plain = server();
        TestServer secure = server(); // stands for the TLS port: which port the pool reaches is what counts
        register(plain.address(), secure.port(), "UP");
        start(true);
        assertThat(pool.servers()).containsExactly(ServerAddress.of(plain.address().host(), secure.port()));
        call(5);
        assertThat(secure.requests()).isEqualTo(5);
        assertThat(plain.requests()).isZero();
    }
}
