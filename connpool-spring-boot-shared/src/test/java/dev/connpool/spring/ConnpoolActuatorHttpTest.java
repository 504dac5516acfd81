package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.PoolException;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The actuator over real HTTP, against a pool of three real (in-process) TCP servers: the {@code connpool}
 * health follows servers going down and coming back, and the metrics endpoint shows the pool's gauges.
 */
@SpringBootTest(classes = ConnpoolActuatorHttpTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,metrics,connpools",
        "management.endpoint.health.show-details=always",
        "connpool.pools.backend.ejection.consecutive-failures=1",
        "connpool.pools.backend.ejection.base-time=200ms",
        "connpool.pools.backend.ejection.max-time=1s",
        "connpool.pools.backend.retry.backoff.min=1ms",
        "connpool.pools.backend.retry.backoff.max=5ms",
        "connpool.pools.backend.socket.read-timeout=2s"})
@DirtiesContext
class ConnpoolActuatorHttpTest {

    private static final Duration PATIENCE = Duration.ofSeconds(15);
    private static final List<TestServer> SERVERS = new ArrayList<>();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    private int port;

    @Autowired
    private MultiPool<SocketConnection> backend;

    @DynamicPropertySource
    static void backendServers(DynamicPropertyRegistry registry) throws IOException {
        synchronized (SERVERS) {
            if (SERVERS.isEmpty()) {
                for (int i = 0; i < 3; i++) {
                    SERVERS.add(TestServer.start());
                }
            }
        }
        registry.add("connpool.pools.backend.servers",
                () -> SERVERS.stream().map(s -> s.address().toString()).collect(Collectors.joining(",")));
    }

    @AfterAll
    static void stopServers() {
        SERVERS.forEach(TestServer::stop);
    }

    @BeforeEach
    void everyServerUp() {
        SERVERS.forEach(TestServer::restartQuietly);
        await().atMost(PATIENCE).untilAsserted(() -> {
            traffic(6);
            JsonNode health = health(200);
            for (JsonNode server : servers(health)) {
                assertThat(server.path("state").asText()).isEqualTo("ACTIVE");
                assertThat(server.path("failures").asInt()).isZero();
            }
        });
    }

    @Test
    void healthShouldShowEveryServerThenFollowThemDownAndBackUp() throws Exception {
        JsonNode up = health(200);
        assertThat(up.path("status").asText()).isEqualTo("UP");
        JsonNode pool = up.path("components").path("backend");
        assertThat(pool.path("status").asText()).isEqualTo("UP");
        assertThat(pool.path("details").path("usableServers").asInt()).isEqualTo(3);
        List<String> addresses = new ArrayList<>();
        servers(up).forEach(s -> addresses.add(s.path("server").asText()));
        assertThat(addresses).containsExactlyElementsOf(SERVERS.stream().map(s -> s.address().toString()).toList());
        for (JsonNode server : servers(up)) {
            assertThat(server.has("active") && server.has("idle") && server.has("waiting")
                    && server.has("ejections")).as(server.toString()).isTrue();
        }

        TestServer down = SERVERS.get(1);
        down.stop();
        await().atMost(PATIENCE).untilAsserted(() -> {
            traffic(6);
            JsonNode health = health(200);
            assertThat(health.path("status").asText()).isEqualTo("UP");
            JsonNode server = server(health, down);
            assertThat(server.path("state").asText()).isEqualTo("EJECTED");
            assertThat(server.path("ejections").asLong()).isPositive();
            assertThat(server.has("ejectedUntil")).isTrue();
            JsonNode why = server.path("history").path(0); // why it is ejected: the newest change
            assertThat(why.path("to").asText()).isEqualTo("EJECTED");
            assertThat(why.path("reason").asText()).isIn("failures in a row", "probe failed", "trial failed");
        });

        SERVERS.forEach(TestServer::stop);
        await().atMost(PATIENCE).untilAsserted(() -> {
            traffic(6);
            JsonNode health = health(503);
            assertThat(health.path("status").asText()).isEqualTo("DOWN");
            assertThat(health.path("components").path("backend").path("details").path("usableServers").asInt()).isZero();
            // one definition of usable: the endpoint agrees with health, server by server, though the pool
            // never ejects every server and some stay ACTIVE
            JsonNode endpoint = get("/actuator/connpools/backend", 200);
            assertThat(endpoint.path("usableServers").asInt()).isZero();
            for (JsonNode server : endpoint.path("servers")) {
                assertThat(server.path("usable").asBoolean()).as(server.toString()).isFalse();
            }
            assertThat(servers(health)).allSatisfy(s -> assertThat(s.path("usable").asBoolean()).isFalse());
            assertThat(endpoint.path("servers")).anySatisfy(
                    s -> assertThat(s.path("state").asText()).isEqualTo("ACTIVE"));
        });

        SERVERS.forEach(TestServer::restartQuietly);
        await().atMost(PATIENCE).untilAsserted(() -> {
            traffic(6);
            assertThat(health(200).path("status").asText()).isEqualTo("UP");
        });
    }

    @Test
    void metricsShouldShowTheConnectionsLeasedUnderLoad() throws Exception {
        // awaited: a health probe (every 10 s by default, on each server) holds a connection for its round trip
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activeConnections()).isZero());
        List<Lease<SocketConnection>> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Lease<SocketConnection> lease = backend.borrow();
                assertThat(roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
                held.add(lease);
            }
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(activeConnections()).isEqualTo(5));
        } finally {
            held.forEach(Lease::close);
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activeConnections()).isZero());
        JsonNode acquire = get("/actuator/metrics/connpool.connections.acquire?tag=pool:backend", 200);
        assertThat(measurement(acquire, "COUNT")).isGreaterThanOrEqualTo(5);
    }

    /** Runs {@code count} PING round trips through the pool; failures are what the test is about. */
    private void traffic(int count) {
        for (int i = 0; i < count; i++) {
            try {
                String answer = backend.execute(connection -> roundTrip(connection, "PING"));
                assertThat(answer).isEqualTo("PONG");
            } catch (PoolException e) {
                // a server is down: the pool charges it and the health shows it
            }
        }
    }

    private double activeConnections() throws Exception {
        return measurement(get("/actuator/metrics/connpool.connections.active?tag=pool:backend", 200), "VALUE");
    }

    private JsonNode health(int expectedStatus) throws Exception {
        return get("/actuator/health/connpool", expectedStatus);
    }

    private JsonNode get(String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " -> " + response.body()).isEqualTo(expectedStatus);
        return json.readTree(response.body());
    }

    private static JsonNode servers(JsonNode health) {
        return health.path("components").path("backend").path("details").path("servers");
    }

    private static JsonNode server(JsonNode health, TestServer server) {
        for (JsonNode s : servers(health)) {
            if (s.path("server").asText().equals(server.address().toString())) {
                return s;
            }
        }
        throw new AssertionError(server + " is not in " + health);
    }

    private static double measurement(JsonNode metric, String statistic) {
        for (JsonNode m : metric.path("measurements")) {
            if (m.path("statistic").asText().equals(statistic)) {
                return m.path("value").asDouble();
            }
        }
        throw new AssertionError("no " + statistic + " in " + metric);
    }

    /** TestServer's line protocol: one line out, one line back. */
    private static String roundTrip(SocketConnection connection, String line) throws IOException {
        connection.output().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        connection.output().flush();
        InputStream in = connection.input();
        StringBuilder answer = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection to " + connection.server() + " closed before an answer");
            }
            answer.append((char) b);
        }
        return answer.toString();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }
}
