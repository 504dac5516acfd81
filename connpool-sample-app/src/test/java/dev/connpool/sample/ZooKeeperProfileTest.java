package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The {@code zookeeper} profile as it ships: the embedded ZooKeeper server, the three embedded backends
 * registered in it, and the pool {@code backend} finding them there, with no configured servers. A backend
 * that leaves ZooKeeper is drained from the pool and comes back when it joins; health shows the discovery.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("zookeeper")
class ZooKeeperProfileTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    private int port;

    @Autowired
    private EmbeddedBackends backends;

    @Autowired
    private ZooKeeperBackends zooKeeper;

    @Autowired
    private MultiPool<SocketConnection> backend;

    @AfterEach
    void everyBackendRegistered() {
        for (int i = 0; i < backends.servers().size(); i++) {
            zooKeeper.join(i);
        }
        await().atMost(PATIENCE).until(backend::servers, servers -> servers.equals(all()));
    }

    @Test
    void thePoolHasTheThreeBackendsFromZooKeeperAndNoConfiguredServers() throws Exception {
        assertThat(backend.settings().servers()).as("configured servers").isEmpty();
        assertThat(backend.servers()).as("set from ZooKeeper before the app started").isEqualTo(all());

        JsonNode pool = get("/actuator/health", 200).at("/components/connpool/components/backend");
        assertThat(pool.path("status").asString()).isEqualTo("UP");
        assertThat(pool.at("/details/usableServers").asInt()).isEqualTo(3);
        JsonNode discovery = pool.at("/details/discovery");
        assertThat(discovery.path("target").asString()).isEqualTo("/services/backend");
        assertThat(discovery.path("kind").asString()).isEqualTo("zookeeper");
        assertThat(discovery.path("connected").asBoolean()).isTrue();
        assertThat(discovery.path("listed").size()).isEqualTo(3);
        assertThat(discovery.path("lastUpdate").asString()).isNotBlank();
        assertThat(discovery.has("lastError")).as(discovery.toString()).isFalse();

        JsonNode dashboard = get("/api/dashboard", 200);
        assertThat(dashboard.at("/pools/0/discovery/target").asString()).isEqualTo("/services/backend");
        dashboard.path("backends").forEach(b -> assertThat(b.path("registered").asBoolean()).as(b.toString()).isTrue());
        assertThat(get("/api/echo?msg=hello", 200).path("value").asString()).isEqualTo("hello");
    }

    @Test
    void aBackendThatLeavesZooKeeperIsDrainedAndComesBackWhenItJoins() throws Exception {
        LineServer leaving = backends.get(1);
        ServerAddress address = ServerAddress.parse(leaving.address());

        assertThat(post("/api/backends/1/leave", 200).path("registered").asBoolean()).isFalse();
        await().atMost(PATIENCE).until(backend::servers, servers -> !servers.contains(address) && servers.size() == 2);
        await().atMost(PATIENCE).until(() -> backend.stats().server(address) == null); // drained, then gone
        assertThat(leaving.isRunning()).as("the backend itself still runs").isTrue();
        JsonNode discovery = get("/actuator/health", 200).at("/components/connpool/components/backend/details/discovery");
        assertThat(discovery.path("listed").size()).isEqualTo(2);
        for (int i = 0; i < 20; i++) {
            assertThat(get("/api/echo?msg=m" + i, 200).path("server").asString()).isNotEqualTo(leaving.address());
        }
        assertThat(get("/api/dashboard", 200).at("/backends/1/registered").asBoolean()).isFalse();

        assertThat(post("/api/backends/1/join", 200).path("registered").asBoolean()).isTrue();
        await().atMost(PATIENCE).until(backend::servers, servers -> servers.equals(all()));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(get("/actuator/health", 200)
                .at("/components/connpool/components/backend/details/discovery/listed").size()).isEqualTo(3));
    }

    @Test
    void leaveAndJoinAnswerWhatTheyDid() throws Exception {
        post("/api/backends/0/leave", 200);
        assertThat(zooKeeper.isRegistered(0)).isFalse();
        assertThat(zooKeeper.leave(0)).as("left already").isFalse();
        assertThat(post("/api/backends/0/join", 200).path("registered").asBoolean()).isTrue();
        assertThat(zooKeeper.join(0)).as("joined already").isFalse();
        assertThat(post("/api/backends/0/dance", 400).path("error").asString()).contains("leave or join");
    }

    private Set<ServerAddress> all() {
        return backends.servers().stream().map(s -> ServerAddress.parse(s.address())).collect(Collectors.toSet());
    }

    private JsonNode get(String path, int expectedStatus) throws Exception {
        return expect(HttpRequest.newBuilder(uri(path)).GET(), expectedStatus);
    }

    private JsonNode post(String path, int expectedStatus) throws Exception {
        return expect(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()), expectedStatus);
    }

    private JsonNode expect(HttpRequest.Builder request, int expectedStatus) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return json.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
