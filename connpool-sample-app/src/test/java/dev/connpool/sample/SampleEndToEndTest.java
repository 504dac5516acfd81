package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The sample app end to end, over real HTTP, as it ships: its own {@code application.yml} (ejection after
 * 2 consecutive failures, for 2 s at first), its three embedded backends, its REST API and its actuator.
 * Echo traffic from 16 concurrent clients rides out a backend being stopped, ejected, restarted and
 * re-admitted without one failed request; the key-value API keeps each key on its own server, answers from
 * the key's fallback server once its own is ejected, and from its own server again once that one has been
 * back for the return delay ({@code affinity.return-delay: 5s}).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    /** The sample's {@code connpool.pools.backend.affinity.return-delay}. */
    private static final Duration RETURN_DELAY = Duration.ofSeconds(5);
    private static final int CLIENTS = 16;
    /** A bound on each client's requests, so a fast machine does not run the load for ever. */
    private static final int MAX_REQUESTS_PER_CLIENT = 5_000;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    private int port;

    @Autowired
    private EmbeddedBackends backends;

    @BeforeEach
    void everyBackendRunningAndActive() throws Exception {
        for (int i = 0; i < backends.servers().size(); i++) {
            if (!backends.get(i).isRunning() || backends.get(i).isHanging()) {
                post("/api/backends/" + i + "/restart", 200);
            }
        }
        await().atMost(PATIENCE).untilAsserted(() -> {
            // traffic, so that a server left ACTIVE with a streak of failures by the previous test serves a
            // lease again and is usable
            for (int i = 0; i < 6; i++) {
                send(HttpRequest.newBuilder(uri("/api/echo?msg=heal")).GET());
            }
            JsonNode health = health();
            for (LineServer server : backends.servers()) {
                assertThat(state(health, server)).as(server.address()).isEqualTo("ACTIVE");
                assertThat(server(health, server).path("usable").asBoolean()).as(server.address()).isTrue();
                assertThat(takesItsKeys(server(health, server))).as(server.address() + " takes its keys").isTrue();
            }
        });
    }

    @Test
    void healthShowsThePoolWithTheThreeEmbeddedBackends() throws Exception {
        JsonNode health = health();
        assertThat(health.path("status").asString()).isEqualTo("UP");
        JsonNode pool = health.at("/components/connpool/components/backend");
        assertThat(pool.path("status").asString()).isEqualTo("UP");
        assertThat(pool.at("/details/usableServers").asInt()).isEqualTo(3);
        List<String> addresses = new ArrayList<>();
        pool.at("/details/servers").forEach(s -> addresses.add(s.path("server").asString()));
        assertThat(addresses).containsExactlyInAnyOrderElementsOf(
                backends.servers().stream().map(LineServer::address).toList());

        JsonNode listed = get("/api/backends", 200);
        assertThat(listed).hasSize(3);
        listed.forEach(b -> assertThat(b.path("running").asBoolean()).as(b.toString()).isTrue());
    }

    @Test
    void echoLoadLosesNoRequestWhileABackendIsStoppedEjectedRestartedAndReadmitted() throws Exception {
        LineServer victim = backends.get(1);
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        Map<String, LongAdder> answeredBy = new ConcurrentHashMap<>();
        LongAdder answered = new LongAdder();
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger sequence = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);

        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                running.add(clients.submit(() -> {
                    for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && !done.get() && System.nanoTime() < deadline; i++) {
                        String message = "client " + client + " #" + i + " seq " + sequence.incrementAndGet();
                        try {
                            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/echo?msg="
                                    + URLEncoder.encode(message, StandardCharsets.UTF_8))).GET());
                            JsonNode reply = response.statusCode() == 200 ? json.readTree(response.body()) : null;
                            if (reply == null || !message.equals(reply.path("value").asString())) {
                                failures.add(message + " -> " + response.statusCode() + " " + response.body());
                            } else {
                                answeredBy.computeIfAbsent(reply.path("server").asString(), s -> new LongAdder()).increment();
                                answered.increment();
                            }
                        } catch (IOException | RuntimeException e) {
                            failures.add(message + " -> " + e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }));
            }

            // Traffic reaches all three backends first.
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(answered.sum()).isGreaterThanOrEqualTo(200);
                assertThat(answeredBy.keySet()).containsExactlyInAnyOrderElementsOf(
                        backends.servers().stream().map(LineServer::address).toList());
            });

            // Stop backend #1 mid-run: the pool ejects it and keeps serving on the other two.
            long ejectionsBefore = server(health(), victim).path("ejections").asLong();
            JsonNode stopped = post("/api/backends/1/stop", 200);
            assertThat(stopped.path("running").asBoolean()).isFalse();
            await().atMost(PATIENCE).untilAsserted(() -> {
                JsonNode health = health();
                JsonNode server = server(health, victim);
                assertThat(server.path("state").asString()).isEqualTo("EJECTED");
                assertThat(server.path("ejections").asLong()).isGreaterThan(ejectionsBefore);
                assertThat(server.has("ejectedUntil")).isTrue();
                assertThat(health.path("status").asString()).isEqualTo("UP");
                assertThat(health.at("/components/connpool/components/backend/details/usableServers").asInt())
                        .isEqualTo(2);
            });
            long whileEjected = answered.sum();
            await().atMost(PATIENCE).until(() -> answered.sum() >= whileEjected + 200);

            // Restart it: once its ejection time is over, the pool's probe re-admits it and traffic returns.
            JsonNode restarted = post("/api/backends/1/restart", 200);
            assertThat(restarted.path("running").asBoolean()).isTrue();
            long servedBeforeReadmission = count(answeredBy, victim);
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(state(health(), victim)).isEqualTo("ACTIVE");
                assertThat(count(answeredBy, victim)).isGreaterThan(servedBeforeReadmission);
            });
        } finally {
            done.set(true);
            clients.shutdown();
        }
        for (Future<?> client : running) {
            client.get(30, TimeUnit.SECONDS);
        }
        assertThat(clients.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

        assertThat(failures).as("failed echo requests out of %d", answered.sum() + failures.size()).isEmpty();
        assertThat(answered.sum()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void echoReturnsTextAsSent() throws Exception {
        for (String message : List.of("plain", "with  two spaces", "déjà vu – ünïcödé ✓", "x")) {
            JsonNode reply = get("/api/echo?msg=" + URLEncoder.encode(message, StandardCharsets.UTF_8), 200);
            assertThat(reply.path("value").asString()).isEqualTo(message);
        }
    }

    @Test
    void keyValueKeepsEachKeyOnItsServer() throws Exception {
        Map<String, String> serverOf = keysOnEveryServer(2);
        for (Map.Entry<String, String> key : serverOf.entrySet()) {
            JsonNode got = get("/api/kv/" + key.getKey(), 200);
            assertThat(got.path("server").asString()).as(key.getKey()).isEqualTo(key.getValue());
            assertThat(got.path("value").asString()).isEqualTo(valueOf(key.getKey()));
        }
        // Overwriting goes to the same server, and a second read sees the new value there.
        String some = serverOf.keySet().iterator().next();
        JsonNode put = put("/api/kv/" + some, "overwritten value", 200);
        assertThat(put.path("server").asString()).isEqualTo(serverOf.get(some));
        JsonNode got = get("/api/kv/" + some, 200);
        assertThat(got.path("server").asString()).isEqualTo(serverOf.get(some));
        assertThat(got.path("value").asString()).isEqualTo("overwritten value");

        JsonNode missing = get("/api/kv/never-set-" + System.nanoTime(), 404);
        assertThat(missing.path("value").isNull()).isTrue();
    }

    @Test
    void aKeyWhoseServerIsStoppedGoesToItsFallbackAndComesBackAfterTheReturnDelay() throws Exception {
        Map<String, String> serverOf = keysOnEveryServer(1);
        LineServer victim = backends.get(2);
        String key = keyOn(serverOf, victim.address());
        String other = serverOf.keySet().stream().filter(k -> !serverOf.get(k).equals(victim.address())).findFirst()
                .orElseThrow();

        post("/api/backends/2/stop", 200);
        // Refused connects (502, naming the server) until the pool ejects it; the read that ejects it, and every
        // read after, is answered at once by the key's fallback, which does not have the key (404).
        await().atMost(PATIENCE).untilAsserted(() -> {
            long start = System.nanoTime();
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/kv/" + key)).GET());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).as("answer time in ms").isLessThan(3_000);
            if (response.statusCode() == 502) {
                assertThat(json.readTree(response.body()).path("error").asString()).contains(victim.address());
            }
            assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
            String fallback = json.readTree(response.body()).path("server").asString();
            assertThat(fallback).isNotEqualTo(victim.address()).isIn(serverOf.values());
            assertThat(state(health(), victim)).isEqualTo("EJECTED");
        });
        JsonNode elsewhere = get("/api/kv/" + other, 200);
        assertThat(elsewhere.path("server").asString()).isEqualTo(serverOf.get(other));
        assertThat(elsewhere.path("value").asString()).isEqualTo(valueOf(other));

        // Back up: re-admitted after its ejection, it gets its keys back once it has been up for the return delay,
        // with the value it kept.
        post("/api/backends/2/restart", 200);
        await().atMost(PATIENCE).until(() -> state(health(), victim).equals("ACTIVE"));
        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode got = get("/api/kv/" + key, 200);
            assertThat(got.path("server").asString()).isEqualTo(victim.address());
            assertThat(got.path("value").asString()).isEqualTo(valueOf(key));
        });
        assertThat(takesItsKeys(server(health(), victim))).isTrue();
    }

    @Test
    void aKeyWhoseServerHangsTimesOutThenItsServerIsEjectedAndItsFallbackAnswers() throws Exception {
        Map<String, String> serverOf = keysOnEveryServer(1);
        LineServer victim = backends.get(0);
        String key = keyOn(serverOf, victim.address());

        post("/api/backends/0/hang", 200);
        // Each read waits out the read timeout (1 s) and fails naming the server; the broken connections count
        // against it, so after 2 in a row the pool ejects it, and reads go to the key's fallback at once.
        await().atMost(PATIENCE).untilAsserted(() -> {
            long start = System.nanoTime();
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/kv/" + key)).GET());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).as("answer time in ms").isLessThan(3_000);
            if (response.statusCode() == 502) {
                assertThat(json.readTree(response.body()).path("error").asString()).contains(victim.address());
            }
            assertThat(state(health(), victim)).isEqualTo("EJECTED");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(404);
            assertThat(json.readTree(response.body()).path("server").asString()).isNotEqualTo(victim.address());
        });

        post("/api/backends/0/restart", 200);
        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode got = get("/api/kv/" + key, 200);
            assertThat(got.path("server").asString()).isEqualTo(victim.address());
            assertThat(got.path("value").asString()).isEqualTo(valueOf(key));
        });
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** Stores keys until every backend owns {@code perServer} of them; returns each key's server. */
    private Map<String, String> keysOnEveryServer(int perServer) throws Exception {
        Map<String, String> serverOf = new LinkedHashMap<>();
        Map<String, Integer> perAddress = new ConcurrentHashMap<>();
        for (int i = 0; i < 100 && perAddress.values().stream().filter(n -> n >= perServer).count() < 3; i++) {
            String key = "key-" + i;
            JsonNode put = put("/api/kv/" + key, valueOf(key), 200);
            String server = put.path("server").asString();
            assertThat(server).isIn(backends.servers().stream().map(LineServer::address).toList());
            assertThat(put.path("value").asString()).isEqualTo(valueOf(key));
            serverOf.put(key, server);
            perAddress.merge(server, 1, Integer::sum);
        }
        assertThat(perAddress).hasSize(3).allSatisfy((server, n) -> assertThat(n).isGreaterThanOrEqualTo(perServer));
        return serverOf;
    }

    private static String keyOn(Map<String, String> serverOf, String address) {
        return serverOf.entrySet().stream().filter(e -> e.getValue().equals(address)).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
    }

    private static String valueOf(String key) {
        return "value of " + key;
    }

    private static long count(Map<String, LongAdder> answeredBy, LineServer server) {
        LongAdder n = answeredBy.get(server.address());
        return n == null ? 0 : n.sum();
    }

    private JsonNode health() throws Exception {
        return get("/actuator/health", 200);
    }

    private static String state(JsonNode health, LineServer server) {
        return server(health, server).path("state").asString();
    }

    /**
     * Whether the pool sends the server its keys: it never left since it joined, or its last change made it
     * {@code ACTIVE} more than the return delay ago.
     */
    private static boolean takesItsKeys(JsonNode server) {
        JsonNode last = server.path("history").path(0);
        if (last.isMissingNode()) {
            return true;
        }
        boolean joined = last.path("from").isNull() && last.path("reason").asString().equals("added");
        return last.path("to").asString().equals("ACTIVE") && (joined
                || Duration.between(Instant.parse(last.path("at").asString()), Instant.now()).compareTo(RETURN_DELAY) > 0);
    }

    private static JsonNode server(JsonNode health, LineServer server) {
        for (JsonNode s : health.at("/components/connpool/components/backend/details/servers")) {
            if (s.path("server").asString().equals(server.address())) {
                return s;
            }
        }
        throw new AssertionError(server.address() + " is not in " + health);
    }

    private JsonNode get(String path, int expectedStatus) throws Exception {
        return expect(HttpRequest.newBuilder(uri(path)).GET(), expectedStatus);
    }

    private JsonNode put(String path, String body, int expectedStatus) throws Exception {
        return expect(HttpRequest.newBuilder(uri(path)).header("Content-Type", "text/plain; charset=UTF-8")
                .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), expectedStatus);
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

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }
}
