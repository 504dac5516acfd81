package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.MultiPool;
import dev.connpool.spring.MultiPoolRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The dashboard over real HTTP on a random port, against the app's three embedded backends: the page, the
 * {@code /api/dashboard} JSON and its history, the load generator, and a stopped backend shown ejected.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DashboardHttpTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    private int port;

    @Autowired
    private EmbeddedBackends backends;

    @Autowired
    private LoadGenerator load;

    @Autowired
    private MultiPoolRegistry pools;

    @AfterEach
    void heal() throws IOException {
        load.stop();
        for (LineServer server : backends.servers()) {
            server.restart();
        }
        await().atMost(PATIENCE).untilAsserted(() -> {
            for (int i = 0; i < 6; i++) {
                send("GET", "/api/echo?msg=heal");
            }
            for (JsonNode server : pool(dashboard()).path("servers")) {
                assertThat(server.path("state").asString()).isEqualTo("ACTIVE");
                assertThat(server.path("usable").asBoolean()).as(server.toString()).isTrue();
            }
        });
    }

    @Test
    void pageShouldBeServedAtTheRootAndNeedNothingFromOutside() throws Exception {
        HttpResponse<String> page = send("GET", "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("connpool sample app", "api/dashboard", "dashboard.js", "<canvas");

        for (String asset : List.of("/dashboard.js", "/dashboard.css")) {
            HttpResponse<String> response = send("GET", asset);
            assertThat(response.statusCode()).as(asset).isEqualTo(200);
            assertThat(response.body()).as(asset).doesNotContain("http://", "https://");
        }
        assertThat(page.body()).doesNotContain("http://", "https://");
    }

    @Test
    void dashboardShouldShowThePoolItsServersTheBackendsAndAGrowingHistory() throws Exception {
        JsonNode dashboard = dashboard();
        assertThat(dashboard.path("sampleIntervalMillis").asLong()).isEqualTo(1000);
        assertThat(dashboard.path("historyCapacity").asInt()).isEqualTo(300);

        JsonNode pool = pool(dashboard);
        assertThat(pool.path("maxActive").asInt()).isEqualTo(8);
        List<String> addresses = new ArrayList<>();
        for (JsonNode server : pool.path("servers")) {
            addresses.add(server.path("server").asString());
            assertThat(server.path("state").asString()).isEqualTo("ACTIVE");
            for (String field : List.of("active", "idle", "waiting", "borrowed", "failures", "ejections")) {
                assertThat(server.path(field).isNumber()).as(field + " of " + server).isTrue();
            }
            assertThat(server.has("ejectedUntil")).isTrue();
            assertThat(server.path("ejectedUntil").isNull()).isTrue();
            assertThat(server.path("usable").asBoolean()).isTrue();
        }
        assertThat(pool.path("usableServers").asInt()).isEqualTo(3);
        assertThat(addresses).hasSize(3);

        JsonNode embedded = dashboard.path("backends");
        assertThat(embedded).hasSize(3);
        for (JsonNode backend : embedded) {
            assertThat(addresses).contains(backend.path("address").asString());
            assertThat(backend.path("running").asBoolean()).isTrue();
            assertThat(backend.path("hanging").asBoolean()).isFalse();
        }
        assertThat(dashboard.path("load").path("running").asBoolean()).isFalse();

        int before = pool.path("history").size();
        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode history = pool(dashboard()).path("history");
            assertThat(history.size()).isGreaterThanOrEqualTo(before + 3);
            JsonNode last = history.get(history.size() - 1);
            assertThat(last.path("time").asLong()).isGreaterThan(history.get(0).path("time").asLong());
            assertThat(last.has("borrowsPerSecond") && last.has("acquireMeanMillis") && last.has("acquireMaxMillis"))
                    .as(last.toString()).isTrue();
        });
    }

    @Test
    void loadShouldRaiseBorrowsPerSecondAndStopOnDelete() throws Exception {
        assertThat(send("POST", "/api/load?clients=0").statusCode()).isEqualTo(400);

        HttpResponse<String> started = send("POST", "/api/load?clients=2");
        assertThat(started.statusCode()).isEqualTo(200);
        assertThat(json.readTree(started.body()).path("running").asBoolean()).isTrue();

        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode last = lastSample();
            assertThat(last.path("borrowsPerSecond").asDouble()).isPositive();
            assertThat(last.path("acquireMeanMillis").isNumber()).as(last.toString()).isTrue();
            assertThat(last.path("acquireMaxMillis").asDouble())
                    .isGreaterThanOrEqualTo(last.path("acquireMeanMillis").asDouble());
        });
        JsonNode running = json.readTree(send("GET", "/api/load").body());
        assertThat(running.path("running").asBoolean()).isTrue();
        assertThat(running.path("clients").asInt()).isEqualTo(2);
        assertThat(running.path("requests").asLong()).isPositive();

        HttpResponse<String> stopped = send("DELETE", "/api/load");
        assertThat(stopped.statusCode()).isEqualTo(200);
        assertThat(json.readTree(stopped.body()).path("running").asBoolean()).isFalse();
        assertThat(json.readTree(send("GET", "/api/load").body()).path("running").asBoolean()).isFalse();
        // nothing else borrows in this test: once the clients are gone, a whole second passes without a borrow
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(lastSample().path("borrowsPerSecond").asDouble()).isZero());
        // application.yml keeps the acquire timer's max over 1-2 s (Micrometer's default: minutes), so it fades
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(acquireMaxSeconds()).isZero());
    }

    @Test
    void stoppedBackendShouldShowEjected() throws Exception {
        String address = backends.get(1).address();
        assertThat(send("POST", "/api/backends/1/stop").statusCode()).isEqualTo(200);

        await().atMost(PATIENCE).untilAsserted(() -> {
            for (int i = 0; i < 6; i++) {
                assertThat(send("GET", "/api/echo?msg=hello").statusCode()).isEqualTo(200);
            }
            JsonNode dashboard = dashboard();
            JsonNode server = server(pool(dashboard), address);
            assertThat(server.path("state").asString()).isEqualTo("EJECTED");
            assertThat(server.path("ejections").asLong()).isPositive();
            assertThat(server.path("ejectedUntil").isString()).isTrue();
            assertThat(Duration.between(Instant.parse(dashboard.path("time").asString()),
                    Instant.parse(server.path("ejectedUntil").asString())).toMillis()).isBetween(-1_000L, 16_000L);
            assertThat(server.path("usable").asBoolean()).isFalse();
            assertThat(pool(dashboard).path("usableServers").asInt()).isEqualTo(2);
            JsonNode backend = dashboard.path("backends").get(1);
            assertThat(backend.path("address").asString()).isEqualTo(address);
            assertThat(backend.path("running").asBoolean()).isFalse();
        });
    }

    @Test
    void withEveryBackendRefusingConnectionsThePageShouldCountNoUsableServerAsHealthDoes() throws Exception {
        MultiPool<?> pool = pools.get("backend");
        try {
            for (int i = 0; i < backends.servers().size(); i++) {
                assertThat(send("POST", "/api/backends/" + i + "/stop").statusCode()).isEqualTo(200);
            }
            await().atMost(PATIENCE).untilAsserted(() -> {
                for (int i = 0; i < 6; i++) {
                    send("GET", "/api/echo?msg=hello");
                }
                HttpResponse<String> health = send("GET", "/actuator/health/connpool");
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(json.readTree(health.body()).at("/components/backend/details/usableServers").asInt())
                        .isZero();
                JsonNode card = pool(dashboard());
                assertThat(card.has("usableServers")).as(card.toString()).isTrue();
                assertThat(card.path("usableServers").asInt()).as("the page's count").isZero();
                assertThat(card.path("servers")).allSatisfy(
                        server -> assertThat(server.path("usable").isBoolean() && !server.path("usable").asBoolean())
                                .as(server.toString()).isTrue());
                // the pool never ejects them all: some stay ACTIVE, failing, and are not usable
                assertThat(card.path("servers")).anySatisfy(
                        server -> assertThat(server.path("state").asString()).isEqualTo("ACTIVE"));
            });
            HttpResponse<String> script = send("GET", "/dashboard.js");
            assertThat(script.body()).as("the page shows the pool's count, not one of its own")
                    .contains("pool.usableServers").doesNotContain("s.state === 'ACTIVE' || s.state === 'PROBING').length");
        } finally {
            for (LineServer server : backends.servers()) {
                server.restart();
            }
            pool.stats().servers().forEach(server -> pool.readmit(server.server()));
        }
    }

    private double acquireMaxSeconds() throws Exception {
        HttpResponse<String> response = send("GET", "/actuator/metrics/connpool.connections.acquire?tag=pool:backend");
        assertThat(response.statusCode()).isEqualTo(200);
        for (JsonNode measurement : json.readTree(response.body()).path("measurements")) {
            if (measurement.path("statistic").asString().equals("MAX")) {
                return measurement.path("value").asDouble();
            }
        }
        throw new AssertionError("no MAX in " + response.body());
    }

    private JsonNode lastSample() throws Exception {
        JsonNode history = pool(dashboard()).path("history");
        assertThat(history.size()).isPositive();
        return history.get(history.size() - 1);
    }

    private JsonNode dashboard() throws Exception {
        HttpResponse<String> response = send("GET", "/api/dashboard");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        return json.readTree(response.body());
    }

    private static JsonNode pool(JsonNode dashboard) {
        JsonNode pools = dashboard.path("pools");
        assertThat(pools).hasSize(1);
        JsonNode pool = pools.get(0);
        assertThat(pool.path("name").asString()).isEqualTo("backend");
        return pool;
    }

    private static JsonNode server(JsonNode pool, String address) {
        for (JsonNode server : pool.path("servers")) {
            if (server.path("server").asString().equals(address)) {
                return server;
            }
        }
        throw new AssertionError("no server " + address + " in " + pool.path("servers"));
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
