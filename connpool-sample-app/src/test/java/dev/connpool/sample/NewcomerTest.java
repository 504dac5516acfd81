package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The sample as a newcomer meets it, over real HTTP on a random port: the URL to open in the log, a value
 * stored with a plain {@code curl -X PUT -d bar} (a form-urlencoded body), backends numbered from 0 in names
 * and URLs alike, a drained backend that stays out until it is added, a JSON answer naming the pools for an
 * unknown pool on the actuator, and a misspelt key that fails start-up saying which key was meant. (Its own
 * context, through the property below, so that the start-up it captures is its own.)
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.test=newcomer")
@ExtendWith(OutputCaptureExtension.class)
class NewcomerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    private int port;

    @Autowired
    private EmbeddedBackends backends;

    @Autowired
    private MultiPool<SocketConnection> backend;

    @AfterEach
    void everyBackendRunningAndInThePool() throws IOException {
        for (LineServer server : backends.servers()) {
            server.restart();
            backend.addServer(ServerAddress.parse(server.address()));
        }
        await().atMost(PATIENCE).until(() -> backend.servers().size() == 3);
    }

    @Test
    void theLogSaysWhichUrlToOpen(CapturedOutput output) {
        assertThat(output.getOut()).contains("connpool sample ready: open http://localhost:" + port + "/");
    }

    @Test
    void aValuePutAsCurlSendsItIsStoredAsSent() throws Exception {
        // curl -X PUT -d bar localhost:8080/api/kv/foo: a form-urlencoded body, not a form
        HttpResponse<String> put = send(HttpRequest.newBuilder(uri("/api/kv/foo"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString("bar")));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(json.readTree(put.body()).path("value").asString()).isEqualTo("bar");
        assertThat(get("/api/kv/foo", 200).path("value").asString()).isEqualTo("bar");

        // what looks like form fields or escapes is kept as it is, and so is text in UTF-8
        for (String value : new String[] {"a=b&c=d", "one+two%20three", "déjà vu ✓"}) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/kv/raw"))
                    .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                    .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(get("/api/kv/raw", 200).path("value").asString()).isEqualTo(value);
        }

        // no content type at all
        HttpResponse<String> bare = send(HttpRequest.newBuilder(uri("/api/kv/bare"))
                .PUT(HttpRequest.BodyPublishers.ofString("plain")));
        assertThat(bare.statusCode()).as(bare.body()).isEqualTo(200);
        assertThat(get("/api/kv/bare", 200).path("value").asString()).isEqualTo("plain");
    }

    @Test
    void anEmptyPutSaysTheValueIsTheBody() throws Exception {
        HttpResponse<String> empty = send(HttpRequest.newBuilder(uri("/api/kv/foo"))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json.readTree(empty.body()).path("error").asString())
                .contains("takes the value as its body", "curl -X PUT -d");
    }

    @Test
    void backendsAreNumberedFromZeroInNamesAndUrls() throws Exception {
        JsonNode listed = get("/api/backends", 200);
        assertThat(listed).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(listed.get(i).path("index").asInt()).isEqualTo(i);
            assertThat(listed.get(i).path("name").asString()).isEqualTo("backend-" + i);
        }
        JsonNode stopped = post("/api/backends/1/stop", 200);
        assertThat(stopped.path("name").asString()).isEqualTo("backend-1");
        assertThat(stopped.path("running").asBoolean()).isFalse();
        assertThat(backends.get(1).name()).isEqualTo("backend-1");
        assertThat(backends.get(1).isRunning()).isFalse();
        assertThat(backends.get(0).isRunning()).isTrue();
        assertThat(backends.get(2).isRunning()).isTrue();
    }

    @Test
    void aDrainedBackendStaysOutOfThePoolUntilItIsAdded() throws Exception {
        LineServer drained = backends.get(2);
        ServerAddress address = ServerAddress.parse(drained.address());

        JsonNode answer = post("/api/backends/2/drain", 200);
        assertThat(answer.path("pooled").asBoolean()).isFalse();
        assertThat(backend.servers()).doesNotContain(address).hasSize(2);
        await().atMost(PATIENCE).until(() -> backend.stats().server(address) == null); // drained, then gone
        Set<String> answeredBy = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            answeredBy.add(get("/api/echo?msg=m" + i, 200).path("server").asString());
        }
        assertThat(answeredBy).doesNotContain(drained.address());
        assertThat(drained.isRunning()).as("the backend itself runs on").isTrue();
        assertThat(get("/api/dashboard", 200).at("/backends/2/pooled").asBoolean()).isFalse();

        assertThat(post("/api/backends/2/add", 200).path("pooled").asBoolean()).isTrue();
        assertThat(backend.servers()).contains(address).hasSize(3);
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(get("/api/echo?msg=back", 200).path("server").asString()).isEqualTo(drained.address());
        });
        assertThat(post("/api/backends/2/dance", 400).path("error").asString()).contains("drain or add");
    }

    @Test
    void anUnknownPoolOnTheActuatorAnswersWithAJsonBodyNamingThePools() throws Exception {
        JsonNode body = get("/actuator/connpools/nopool", 404);
        assertThat(body.path("status").asInt()).isEqualTo(404);
        assertThat(body.path("message").asString()).isEqualTo("no pool named 'nopool'; the pools are [backend]");
    }

    @Test
    void aMisspeltKeyFailsStartUpNamingItAndTheKeyMeant() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(SampleApplication.class)
                .run("--server.port=0", "--sample.embedded-backends=false",
                        "--connpool.pools.backend.servers=127.0.0.1:1", "--connpool.pools.backend.max-activ=3").close())
                .hasMessageContaining("connpool.pools.backend.max-activ")
                .hasMessageContaining("did you mean 'max-active'?");
    }

    private JsonNode get(String path, int expectedStatus) throws Exception {
        return expect(HttpRequest.newBuilder(uri(path)).GET(), expectedStatus);
    }

    private JsonNode post(String path, int expectedStatus) throws Exception {
        return expect(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()), expectedStatus);
    }

    private JsonNode expect(HttpRequest.Builder request, int expectedStatus) throws Exception {
        HttpResponse<String> response = send(request);
        assertThat(response.statusCode()).as(response.request().uri() + " -> " + response.body()).isEqualTo(expectedStatus);
        return json.readTree(response.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
