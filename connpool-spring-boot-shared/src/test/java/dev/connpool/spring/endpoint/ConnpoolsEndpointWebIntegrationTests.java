package dev.connpool.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerState;
import dev.connpool.ServerStats;
import dev.connpool.TestServer;
import dev.connpool.spring.MultiPoolRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code /actuator/connpools} over real HTTP, with a pool of three in-process servers. */
@SpringBootTest(classes = ConnpoolsEndpointWebIntegrationTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"management.endpoints.web.exposure.include=connpools",
                "management.endpoint.connpools.access=unrestricted", "connpool.defaults.max-wait=250ms",
                "connpool.pools.backend.max-active=4", "connpool.pools.backend.retry.backoff.min=5ms"})
@DirtiesContext
class ConnpoolsEndpointWebIntegrationTests {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<TestServer> SERVERS = new ArrayList<>();

    @LocalServerPort
    private int port;

    @Autowired
    private MultiPoolRegistry registry;

    @BeforeAll
    static void startServers() throws IOException {
        for (int i = 0; i < 3; i++) {
            SERVERS.add(TestServer.start());
        }
    }

    @AfterAll
    static void stopServers() {
        SERVERS.forEach(TestServer::close);
        SERVERS.clear();
    }

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry properties) {
        properties.add("connpool.pools.backend.servers",
                () -> String.join(",", SERVERS.stream().map(s -> s.address().toString()).toList()));
        properties.add("connpool.pools.audit.servers", () -> SERVERS.get(0).address().toString());
    }

    /** Each test starts with all three servers ACTIVE in the pool. */
    @AfterEach
    void restoreServers() {
        MultiPool<?> backend = registry.get("backend");
        for (TestServer server : SERVERS) {
            backend.addServer(server.address());
            ServerStats stats = backend.stats().server(server.address());
            if (stats.state() != ServerState.ACTIVE) {
                backend.readmit(server.address());
            }
        }
    }

    @Test
    void getShouldShowEveryPoolWithItsSettingsAndServers() throws Exception {
        HttpResponse<String> response = get("/actuator/connpools");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode pools = JSON.readTree(response.body()).get("pools");
        assertThat(pools.fieldNames()).toIterable().containsExactly("audit", "backend");

        JsonNode backend = pools.get("backend");
        assertThat(backend.get("name").asText()).isEqualTo("backend");
        JsonNode settings = backend.get("settings");
        assertThat(settings.get("max-active").asInt()).isEqualTo(4);
        assertThat(settings.get("max-wait").asText()).isEqualTo("250ms");
        assertThat(settings.get("idle-timeout").asText()).isEqualTo("5m");
        assertThat(settings.get("max-lifetime").asText()).isEqualTo("0s");
        assertThat(settings.get("balancer").asText()).isEqualTo("least-latency");
        assertThat(settings.at("/retry/attempts").asInt()).isEqualTo(3);
        assertThat(settings.at("/retry/backoff/min").asText()).isEqualTo("5ms");
        assertThat(settings.at("/retry/backoff/factor").asDouble()).isEqualTo(2.0);
        assertThat(settings.at("/ejection/max-time").asText()).isEqualTo("30s");
        assertThat(strings(settings.get("servers"))).containsExactlyElementsOf(addresses());

        assertThat(backend.get("usableServers").asInt()).isEqualTo(3);
        JsonNode servers = backend.get("servers");
        assertThat(servers).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(servers.get(i).get("server").asText()).isEqualTo(addresses().get(i));
            assertThat(servers.get(i).get("state").asText()).isEqualTo("ACTIVE");
            assertThat(servers.get(i).get("failures").asInt()).isZero();
        }

        JsonNode audit = JSON.readTree(get("/actuator/connpools/audit").body());
        assertThat(audit.get("name").asText()).isEqualTo("audit");
        assertThat(audit.get("servers")).hasSize(1);
        assertThat(audit.at("/settings/max-active").asInt()).isEqualTo(8);
        assertThat(audit.at("/settings/max-wait").asText()).isEqualTo("250ms");
    }

    @Test
    void ejectThenReadmitShouldShowInTheFollowingGets() throws Exception {
        String b = addresses().get(1);

        HttpResponse<String> ejected = post("/actuator/connpools/backend/" + b, "{\"action\":\"eject\"}");
        assertThat(ejected.statusCode()).isEqualTo(200);
        JsonNode answer = JSON.readTree(ejected.body());
        assertThat(answer.get("pool").asText()).isEqualTo("backend");
        assertThat(answer.get("server").asText()).isEqualTo(b);
        assertThat(answer.get("action").asText()).isEqualTo("eject");
        assertThat(answer.get("done").asBoolean()).isTrue();
        assertThat(answer.get("state").asText()).isEqualTo("EJECTED");
        JsonNode server = serverNode(b);
        assertThat(server.get("state").asText()).isEqualTo("EJECTED");
        assertThat(server.get("ejections").asInt()).isEqualTo(1);
        assertThat(server.get("ejectedUntil").asText()).isNotBlank();
        JsonNode why = server.get("history").get(0);
        assertThat(why.get("reason").asText()).isEqualTo("ejected by operator");
        assertThat(why.get("origin").asText()).isEqualTo("OPERATOR");
        assertThat(why.get("from").asText()).isEqualTo("ACTIVE");
        assertThat(why.get("to").asText()).isEqualTo("EJECTED");
        assertThat(why.get("at").asText()).isNotBlank();
        assertThat(why.path("exception").isMissingNode() || why.path("exception").isNull()).as("no failure").isTrue();
        assertThat(JSON.readTree(get("/actuator/connpools/backend").body()).get("usableServers").asInt()).isEqualTo(2);

        // the ':' percent-encoded, and the action as a query parameter instead of in a JSON body
        HttpResponse<String> readmitted = post("/actuator/connpools/backend/" + b.replace(":", "%3A") + "?action=readmit",
                null);
        assertThat(readmitted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(readmitted.body()).get("server").asText()).isEqualTo(b);
        assertThat(JSON.readTree(readmitted.body()).get("done").asBoolean()).isTrue();
        assertThat(JSON.readTree(readmitted.body()).get("state").asText()).isEqualTo("ACTIVE");
        assertThat(serverNode(b).get("state").asText()).isEqualTo("ACTIVE");

        HttpResponse<String> again = post("/actuator/connpools/backend/" + b, "{\"action\":\"readmit\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("done").asBoolean()).isFalse();
    }

    @Test
    void drainShouldRemoveAnIdleServerAtOnce() throws Exception {
        String c = addresses().get(2);
        HttpResponse<String> drained = post("/actuator/connpools/backend/" + c, "{\"action\":\"drain\"}");
        assertThat(drained.statusCode()).isEqualTo(200);
        JsonNode answer = JSON.readTree(drained.body());
        assertThat(answer.get("done").asBoolean()).isTrue();
        assertThat(answer.path("state").isNull() || answer.path("state").isMissingNode()).as(drained.body()).isTrue();
        assertThat(serverNames()).containsExactlyElementsOf(addresses().subList(0, 2));
        assertThat(strings(JSON.readTree(get("/actuator/connpools/backend").body()).at("/settings/servers")))
                .as("settings keep the configured servers").hasSize(3);
    }

    @Test
    void drainShouldShowDrainingUntilTheLeasedConnectionComesBack() throws Exception {
        String a = addresses().get(0);
        Lease<?> lease = registry.get("backend").borrow(ServerAddress.parse(a));
        try {
            HttpResponse<String> drained = post("/actuator/connpools/backend/" + a, "{\"action\":\"drain\"}");
            assertThat(drained.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(drained.body()).get("done").asBoolean()).isTrue();
            assertThat(JSON.readTree(drained.body()).get("state").asText()).isEqualTo("DRAINING");
            JsonNode server = serverNode(a);
            assertThat(server.get("state").asText()).isEqualTo("DRAINING");
            assertThat(server.get("active").asInt()).isEqualTo(1);
        } finally {
            lease.close();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(serverNames()).doesNotContain(a));
        assertThat(serverNames()).hasSize(2);
    }

    @Test
    void anUnknownPoolShouldAnswer404() throws Exception {
        HttpResponse<String> get = get("/actuator/connpools/nope");
        assertThat(get.statusCode()).isEqualTo(404);
        JsonNode body = JSON.readTree(get.body());
        assertThat(body.get("status").asInt()).isEqualTo(404);
        assertThat(body.get("message").asText()).isEqualTo("no pool named 'nope'; the pools are [audit, backend]");
        assertThat(get("/actuator/connpools/backend").statusCode()).isEqualTo(200);
        HttpResponse<String> post = post("/actuator/connpools/nope/" + addresses().get(0), "{\"action\":\"eject\"}");
        assertThat(post.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(post.body()).get("message").asText())
                .isEqualTo("no pool named 'nope'; the pools are [audit, backend]");
    }

    @Test
    void aServerNotInThePoolShouldAnswer404NamingIt() throws Exception {
        // an IPv6 literal, brackets and colons percent-encoded
        HttpResponse<String> post = post("/actuator/connpools/backend/%5B%3A%3A1%5D%3A9", "{\"action\":\"eject\"}");
        assertThat(post.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(post.body()).get("message").asText())
                .startsWith("pool 'backend' has no server [::1]:9; its servers are [");
    }

    @Test
    void aBadActionShouldAnswer400NamingIt() throws Exception {
        String b = addresses().get(1);
        HttpResponse<String> post = post("/actuator/connpools/backend/" + b, "{\"action\":\"frobnicate\"}");
        assertThat(post.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(post.body());
        assertThat(error.get("status").asInt()).isEqualTo(400);
        assertThat(error.get("message").asText()).isEqualTo("unknown action 'frobnicate'; use eject, readmit or drain");
        assertThat(serverNode(b).get("state").asText()).isEqualTo("ACTIVE");
    }

    @Test
    void aBadServerAddressShouldAnswer400NamingIt() throws Exception {
        HttpResponse<String> post = post("/actuator/connpools/backend/no-port-here", "{\"action\":\"eject\"}");
        assertThat(post.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(post.body()).get("message").asText()).contains("\"no-port-here\"");
    }

    @Test
    void aMissingActionShouldAnswer400() throws Exception {
        assertThat(post("/actuator/connpools/backend/" + addresses().get(1), "{}").statusCode()).isEqualTo(400);
    }

    private List<String> addresses() {
        return SERVERS.stream().map(s -> s.address().toString()).toList();
    }

    private List<String> serverNames() throws Exception {
        JsonNode servers = JSON.readTree(get("/actuator/connpools/backend").body()).get("servers");
        List<String> names = new ArrayList<>();
        servers.forEach(s -> names.add(s.get("server").asText()));
        return names;
    }

    private JsonNode serverNode(String server) throws Exception {
        for (JsonNode s : JSON.readTree(get("/actuator/connpools/backend").body()).get("servers")) {
            if (s.get("server").asText().equals(server)) {
                return s;
            }
        }
        throw new AssertionError("no server " + server + " in the pool");
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
