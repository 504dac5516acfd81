package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerStats;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The sample app with the {@code redis} profile against three real {@code redis-server} processes on free
 * loopback ports: echo, the sharded key-value store, an error reply ({@code WRONGTYPE}) that is the caller's
 * and charges no server, the PING handshake of {@code redisFactory} (Jedis), and failover under load, where one server is killed with SIGKILL and started again on its port: no
 * idempotent request fails, the server is ejected and later re-admitted.
 *
 * <p>Needs {@code redis-server} (Debian's package; {@code .ci/run} installs it) and fails without it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "connpool.pools.backend.ejection.consecutive-failures=2",
        "connpool.pools.backend.ejection.base-time=500ms",
        "connpool.pools.backend.ejection.max-time=2s",
        "connpool.pools.backend.retry.backoff.min=1ms",
        "connpool.pools.backend.retry.backoff.max=20ms"})
@ActiveProfiles("redis")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSampleTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final int CLIENTS = 4;

    private static RedisProcesses redis;
    private static final List<Integer> PORTS = new ArrayList<>();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    private int port;

    @Autowired
    private ApplicationContext context;

    @Autowired
    private MultiPool<Jedis> backend;

    @Autowired
    private BackendService<?> service;

    @Autowired
    private RedisConnectionFactory redisFactory;

    @BeforeAll
    static void startRedisServers() throws IOException {
        redis = RedisProcesses.locate();
        for (int i = 0; i < 3; i++) {
            PORTS.add(redis.startOnFreePort());
        }
    }

    @AfterAll
    static void stopRedisServers() {
        if (redis != null) {
            redis.close();
            assertThat(redis.anyAlive()).as("a redis-server of this test still runs").isFalse();
        }
    }

    @DynamicPropertySource
    static void redisServers(DynamicPropertyRegistry registry) {
        registry.add(EmbeddedBackendsInitializer.SERVERS, () -> {
            if (PORTS.size() != 3) {
                throw new IllegalStateException("the redis-servers were not started");
            }
            return PORTS.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        });
    }

    /** Each test starts with all three servers in the pool's rotation. */
    @BeforeEach
    void allServersActive() {
        await("all three redis servers ACTIVE").atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> backend.stats().servers().stream().filter(s -> s.state().name().equals("ACTIVE")).count() == 3);
    }

    @Test
    @Order(1)
    void theProfileTalksToTheConfiguredRedisServersThroughJedis() throws Exception {
        assertThat(context.getBean(BackendProtocol.class)).isInstanceOf(RedisProtocol.class);
        assertThat(context.getBeanProvider(EmbeddedBackends.class).getIfAvailable()).isNull();
        assertThat(backend.servers()).containsExactlyInAnyOrderElementsOf(addresses());

        String message = "hi there, ü \r\n *1 $4";
        JsonNode echo = getJson("/api/echo?msg=" + URLEncoder.encode(message, StandardCharsets.UTF_8), 200);
        assertThat(echo.get("value").asString()).isEqualTo(message);
        assertThat(addresses().stream().map(ServerAddress::toString)).contains(echo.get("server").asString());

        assertThat(getJson("/api/backends", 200).size()).as("no embedded backends to show").isZero();
        JsonNode health = getJson("/actuator/health/connpool", 200);
        assertThat(health.at("/components/backend/details/usableServers").asInt()).isEqualTo(3);
    }

    @Test
    @Order(2)
    void aKeyIsWrittenToItsShardAndReadBackFromIt() throws Exception {
        // Keys until each of the three servers owns four: which server owns a key depends on the servers' ports,
        // so a fixed dozen keys may all land on two of them (one run in forty or so).
        Map<String, Integer> keysOf = new HashMap<>();
        for (int i = 0; i < 200 && keysOf.values().stream().filter(n -> n >= 4).count() < 3; i++) {
            String key = "key-" + i;
            String value = "value " + i + " with spaces,\r\nCRLF and ü";
            String owner = service.shard(key).toString();

            JsonNode put = send(HttpRequest.newBuilder(uri("/api/kv/" + key))
                    .header("Content-Type", "text/plain; charset=UTF-8")
                    .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)), 200);
            assertThat(put.get("server").asString()).isEqualTo(owner);

            JsonNode got = getJson("/api/kv/" + key, 200);
            assertThat(got.get("server").asString()).isEqualTo(owner);
            assertThat(got.get("value").asString()).isEqualTo(value);

            // The key lives on its shard's redis-server, and on no other.
            for (ServerAddress server : addresses()) {
                Object stored = rawGet(server.port(), key);
                assertThat(stored).as("%s on %s", key, server).isEqualTo(server.toString().equals(owner) ? value : null);
            }
            keysOf.merge(owner, 1, Integer::sum);
        }
        assertThat(keysOf).as("keys on every server").hasSize(3).allSatisfy((server, n) -> assertThat(n).isGreaterThanOrEqualTo(4));

        JsonNode missing = getJson("/api/kv/no-such-key", 404);
        assertThat(missing.get("value").isNull()).isTrue();
        assertThat(missing.get("server").asString()).isEqualTo(service.shard("no-such-key").toString());
    }

    @Test
    @Order(3)
    void anErrorReplyAboutTheRequestIsTheCallersNotTheServers() throws Exception {
        String key = "a-list";
        ServerAddress owner = service.shard(key);
        try (Jedis direct = JedisFaultRun.admin(owner)) {
            direct.del(key);
            direct.lpush(key, "not a string");
        }
        long borrowed = backend.stats(owner).borrowed();

        JsonNode wrongType = getJson("/api/kv/" + key, 502);
        assertThat(wrongType.get("error").asString()).startsWith("WRONGTYPE");
        ServerStats stats = backend.stats(owner);
        assertThat(stats.failures()).as("failures charged to " + owner).isZero();
        assertThat(stats.borrowed()).as("leases of " + owner + ": one, no retry").isEqualTo(borrowed + 1);
        assertThat(stats.state().name()).isEqualTo("ACTIVE");
    }

    @Test
    @Order(4)
    void redisFactoryPingsEachNewConnection() throws Exception {
        ServerAddress server = addresses().get(0);
        Jedis connection = redisFactory.create(server);
        try {
            assertThat(redisFactory.validate(server, connection)).isTrue();
            assertThat(new RedisProtocol().echo(connection, "after PING")).isEqualTo("after PING");
        } finally {
            redisFactory.destroy(server, connection);
        }
        assertThat(redisFactory.validate(server, connection)).as("closed by destroy").isFalse();

        // A server that is not Redis: refused, and the socket it accepted is closed.
        try (LineServer notRedis = LineServer.start("not-redis")) {
            ServerAddress address = ServerAddress.parse(notRedis.address());
            assertThatThrownBy(() -> redisFactory.create(address)).isInstanceOf(JedisConnectionException.class)
                    .hasMessageContaining("redis " + address).hasMessageContaining("PING");
            await("the rejected connection closed").atMost(PATIENCE).until(() -> notRedis.openConnections() == 0);
        }

        // A Redis that wants a password answers PING with NOAUTH: refused with Redis's message.
        int locked = redis.startOnFreePort("--requirepass", "secret");
        try {
            ServerAddress address = ServerAddress.parse("127.0.0.1:" + locked);
            assertThatThrownBy(() -> redisFactory.create(address)).isInstanceOf(JedisConnectionException.class)
                    .hasMessage("redis " + address + " refused PING: NOAUTH Authentication required.");
        } finally {
            redis.kill(locked);
        }
    }

    @Test
    @Order(5)
    void aKilledServerIsEjectedAndReadmittedWithoutAFailedRequest() throws Exception {
        int victimPort = PORTS.get(1);
        String victim = "127.0.0.1:" + victimPort;
        LongAdder ok = new LongAdder();
        Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                running.add(clients.submit(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        String message = "client-" + client + "-" + n;
                        try {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/api/echo?msg=" + message))
                                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                            JsonNode reply = response.statusCode() == 200 ? json.readTree(response.body()) : null;
                            if (reply == null || !message.equals(reply.get("value").asString())) {
                                failures.add(message + ": HTTP " + response.statusCode() + " " + response.body());
                                continue;
                            }
                            ok.increment();
                            servedBy.computeIfAbsent(reply.get("server").asString(), s -> new AtomicInteger()).incrementAndGet();
                        } catch (IOException | RuntimeException e) {
                            failures.add(message + ": " + e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }));
            }

            await("load on every server").atMost(PATIENCE)
                    .until(() -> ok.sum() >= 100 && servedBy.keySet().containsAll(PORTS.stream().map(p -> "127.0.0.1:" + p).toList()));

            assertThat(redis.kill(victimPort)).as("exit value of redis-server ended by SIGKILL (128 + 9)").isEqualTo(137);
            long killedAt = ok.sum();

            await(victim + " EJECTED in /actuator/health/connpool").atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                    .until(() -> "EJECTED".equals(healthState(victim)));
            ServerStats ejected = backend.stats().server(ServerAddress.parse(victim));
            assertThat(ejected.ejections()).isGreaterThanOrEqualTo(1);
            await("load goes on without " + victim).atMost(PATIENCE).until(() -> ok.sum() >= killedAt + 200);

            redis.start(victimPort);
            int servedBeforeRestart = servedBy.get(victim).get();

            await(victim + " ACTIVE again in /actuator/health/connpool").atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(50)).until(() -> "ACTIVE".equals(healthState(victim)));
            await(victim + " serves requests again").atMost(PATIENCE)
                    .until(() -> servedBy.get(victim).get() > servedBeforeRestart);
        } finally {
            stop.set(true);
            for (Future<?> client : running) {
                client.get(30, TimeUnit.SECONDS);
            }
            clients.shutdownNow();
        }

        assertThat(failures).as("failed idempotent requests (of %d that succeeded)", ok.sum()).isEmpty();
        System.out.printf("failover under load: %d echo requests, none failed; served by %s%n", ok.sum(), servedBy);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static List<ServerAddress> addresses() {
        return PORTS.stream().map(p -> ServerAddress.parse("127.0.0.1:" + p)).toList();
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private JsonNode getJson(String path, int expectedStatus) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), expectedStatus);
    }

    private JsonNode send(HttpRequest.Builder request, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("status of %s: %s", response.request().uri(), response.body())
                .isEqualTo(expectedStatus);
        return json.readTree(response.body());
    }

    /** The state of {@code address} in {@code /actuator/health/connpool} (pool {@code backend}). */
    private String healthState(String address) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/actuator/health/connpool"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        for (JsonNode server : json.readTree(response.body()).at("/components/backend/details/servers")) {
            if (address.equals(server.get("server").asString())) {
                return server.get("state").asString();
            }
        }
        return null;
    }

    /** GET straight from one redis-server, past the app. */
    private static Object rawGet(int port, String key) {
        try (Jedis jedis = JedisFaultRun.admin(ServerAddress.of("127.0.0.1", port))) {
            return jedis.get(key);
        }
    }
}
