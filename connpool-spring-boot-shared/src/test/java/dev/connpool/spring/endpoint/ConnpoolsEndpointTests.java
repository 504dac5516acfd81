package dev.connpool.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.connpool.Balancer;
import dev.connpool.ConnectionFactory;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerState;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.ServerView;
import dev.connpool.spring.endpoint.ConnpoolsEndpoint.PoolDescriptor;
import dev.connpool.spring.endpoint.ConnpoolsEndpoint.ServerActionDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

/** The endpoint on its own, over pools whose factory is never called (no connection is made). */
class ConnpoolsEndpointTests {

    private static final ConnectionFactory<Object> NO_CONNECTIONS = new ConnectionFactory<>() {
        @Override
        public Object create(ServerAddress server) {
            throw new AssertionError("no connection expected to " + server);
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
            // none made
        }
    };

    private static final ServerAddress A = ServerAddress.parse("127.0.0.1:7001");
    private static final ServerAddress B = ServerAddress.parse("127.0.0.1:7002");
    private static final ServerAddress V6 = ServerAddress.parse("[::1]:7003");

    private final MultiPool<Object> orders = MultiPool.builder(NO_CONNECTIONS).name("orders").servers(List.of(A, B, V6))
            .maxActive(4).maxWait(Duration.ofMillis(1500)).idleTimeout(Duration.ofMinutes(2)).balancer(Balancer.roundRobin())
            .build();
    private final MultiPool<Object> users = MultiPool.builder(NO_CONNECTIONS).name("users").servers(List.of(A)).build();
    private final ConnpoolsEndpoint endpoint = new ConnpoolsEndpoint(new MultiPoolRegistry(List.of(users, orders)));

    @AfterEach
    void close() {
        orders.close();
        users.close();
    }

    @Test
    void poolsShouldDescribeEveryPoolSortedByName() {
        assertThat(endpoint.pools().pools()).containsOnlyKeys("orders", "users");
        assertThat(endpoint.pools().pools().keySet()).containsExactly("orders", "users");
        assertThat(endpoint.pools().pools().get("users").servers()).extracting(ServerView::server)
                .containsExactly("127.0.0.1:7001");
    }

    @Test
    void aPoolWithDiscoveryShouldShowItsDetailsAndOneWithoutShouldShowNone() {
        Map<String, Object> details = Map.of("path", "/services/orders", "format", "children", "connected", true);
        ConnpoolsEndpoint discovering = new ConnpoolsEndpoint(new MultiPoolRegistry(List.of(users, orders)),
                pool -> pool.equals("orders") ? new java.util.LinkedHashMap<>(details) : new java.util.LinkedHashMap<>());
        assertThat(discovering.pool("orders").discovery()).isEqualTo(details);
        assertThat(discovering.pools().pools().get("users").discovery()).isNull();
        assertThat(endpoint.pool("orders").discovery()).as("without discovery details").isNull();
    }

    @Test
    void poolShouldGiveSettingsKeyedAsInYamlWithDurationsAsText() {
        PoolDescriptor pool = endpoint.pool("orders");
        assertThat(pool).isNotNull();
        Map<String, Object> s = pool.settings();
        assertThat(s).containsEntry("servers", List.of("127.0.0.1:7001", "127.0.0.1:7002", "[::1]:7003"))
                .containsEntry("max-active", 4).containsEntry("max-idle", 4).containsEntry("min-idle", 0)
                .containsEntry("max-total", -1).containsEntry("max-wait", "1500ms")
                .containsEntry("idle-timeout", "2m").containsEntry("max-lifetime", "0s")
                .containsEntry("validate-on-borrow", true).containsEntry("validate-while-idle", true)
                .containsEntry("balancer", "round-robin").containsEntry("shutdown-timeout", "10s")
                .containsEntry("ejection", Map.of("consecutive-failures", 3, "base-time", "1s", "max-time", "30s",
                        "max-percent", 50))
                .containsEntry("retry", Map.of("attempts", 3,
                        "backoff", Map.of("min", "10ms", "max", "1s", "factor", 2.0, "jitter", 0.2),
                        "budget", Map.of("ratio", 0.2, "min-per-second", 10, "window", "10s")))
                .containsEntry("hedge", Map.of("delay", "off"))
                .containsEntry("leak-detection-threshold", "0s")
                .containsEntry("health-check", Map.of("interval", "10s"))
                .containsEntry("affinity", Map.of("algorithm", "rendezvous", "return-delay", "30s", "load-bound", 0.0))
                .containsEntry("least-latency", Map.of("decay", "2s"))
                .containsEntry("slow-start", Map.of("window", "10s"))
                .as("settings only: housekeeping-interval is none").doesNotContainKey("housekeeping-interval")
                .containsOnlyKeys("servers", "max-active", "max-idle", "min-idle", "max-total", "max-wait",
                        "idle-timeout", "max-lifetime", "validate-on-borrow", "validate-while-idle", "balancer", "retry",
                        "ejection", "shutdown-timeout", "leak-detection-threshold", "health-check", "affinity",
                        "least-latency", "slow-start", "hedge");
        assertThat(pool.servers()).extracting(ServerView::server, ServerView::state).containsExactly(
                tuple("127.0.0.1:7001", ServerState.ACTIVE),
                tuple("127.0.0.1:7002", ServerState.ACTIVE),
                tuple("[::1]:7003", ServerState.ACTIVE));
        assertThat(pool.usableServers()).isEqualTo(3);
    }

    @Test
    void poolShouldBeNullForAnUnknownPool() {
        assertThat(endpoint.pool("nope")).isNull();
    }

    @Test
    void ejectThenReadmitShouldChangeTheStateAndSayWhatHappened() {
        ServerActionDescriptor ejected = endpoint.serverAction("orders", "127.0.0.1:7002", "eject");
        assertThat(ejected).isEqualTo(new ServerActionDescriptor("orders", "127.0.0.1:7002", "eject", true,
                ServerState.EJECTED));
        ServerView b = endpoint.pool("orders").servers().get(1);
        assertThat(b.state()).isEqualTo(ServerState.EJECTED);
        assertThat(b.ejections()).isEqualTo(1);
        assertThat(b.ejectedUntil()).isNotNull();
        assertThat(b.history()).extracting(ServerView.Change::reason).containsExactly("ejected by operator", "added");
        assertThat(b.history().get(0)).satisfies(c -> {
            assertThat(c.from()).isEqualTo("ACTIVE");
            assertThat(c.to()).isEqualTo("EJECTED");
            assertThat(c.origin()).isEqualTo("OPERATOR");
        });

        assertThat(endpoint.serverAction("orders", "127.0.0.1:7002", "eject"))
                .isEqualTo(new ServerActionDescriptor("orders", "127.0.0.1:7002", "eject", false, ServerState.EJECTED));
        assertThat(endpoint.serverAction("orders", " 127.0.0.1:7002 ", "READMIT"))
                .isEqualTo(new ServerActionDescriptor("orders", "127.0.0.1:7002", "readmit", true, ServerState.ACTIVE));
        assertThat(endpoint.serverAction("orders", "127.0.0.1:7002", "readmit"))
                .isEqualTo(new ServerActionDescriptor("orders", "127.0.0.1:7002", "readmit", false, ServerState.ACTIVE));
        assertThat(endpoint.pool("orders").servers().get(1).history()).extracting(ServerView.Change::reason)
                .containsExactly("re-admitted by operator", "ejected by operator", "added");
    }

    @Test
    void ejectShouldNotTakeThePoolsLastUsableServer() {
        assertThat(endpoint.serverAction("users", "127.0.0.1:7001", "eject"))
                .isEqualTo(new ServerActionDescriptor("users", "127.0.0.1:7001", "eject", false, ServerState.ACTIVE));
    }

    @Test
    void drainShouldRemoveAServerWithoutLeasesAtOnce() {
        assertThat(endpoint.serverAction("orders", "[::1]:7003", "drain"))
                .isEqualTo(new ServerActionDescriptor("orders", "[::1]:7003", "drain", true, null));
        assertThat(endpoint.pool("orders").servers()).extracting(ServerView::server)
                .containsExactly("127.0.0.1:7001", "127.0.0.1:7002");
        assertThat(endpoint.serverAction("orders", "[::1]:7003", "drain")).isNull();
    }

    @Test
    void serverActionShouldBeNullForAnUnknownPoolOrServerAndSayWhichIsMissing() {
        assertThat(endpoint.serverAction("nope", "127.0.0.1:7001", "eject")).isNull();
        assertThat(endpoint.whatIsMissing("nope", "127.0.0.1:7001"))
                .isEqualTo("no pool named 'nope'; the pools are [orders, users]");
        assertThat(endpoint.serverAction("users", "127.0.0.1:7002", "readmit")).isNull();
        assertThat(endpoint.whatIsMissing("users", "127.0.0.1:7002"))
                .isEqualTo("pool 'users' has no server 127.0.0.1:7002; its servers are [127.0.0.1:7001]");
    }

    @Test
    void serverActionShouldRejectABadActionNamingIt() {
        assertThatExceptionOfType(InvalidEndpointRequestException.class)
                .isThrownBy(() -> endpoint.serverAction("orders", "127.0.0.1:7001", "frobnicate"))
                .satisfies(e -> assertThat(e.getReason()).contains("'frobnicate'").contains("eject, readmit or drain"));
        assertThat(orders.stats().server(A).state()).isEqualTo(ServerState.ACTIVE);
    }

    @Test
    void serverActionShouldRejectABadAddressNamingIt() {
        assertThatExceptionOfType(InvalidEndpointRequestException.class)
                .isThrownBy(() -> endpoint.serverAction("orders", "localhost", "eject"))
                .satisfies(e -> assertThat(e.getReason()).contains("\"localhost\"").contains("no port"));
    }

    @Test
    void textShouldUseTheLargestExactUnit() {
        assertThat(ConnpoolsEndpoint.text(Duration.ZERO)).isEqualTo("0s");
        assertThat(ConnpoolsEndpoint.text(Duration.ofSeconds(1))).isEqualTo("1s");
        assertThat(ConnpoolsEndpoint.text(Duration.ofMillis(10))).isEqualTo("10ms");
        assertThat(ConnpoolsEndpoint.text(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(ConnpoolsEndpoint.text(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(ConnpoolsEndpoint.text(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(ConnpoolsEndpoint.text(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(ConnpoolsEndpoint.text(Duration.ofDays(3))).isEqualTo("3d");
        assertThat(ConnpoolsEndpoint.text(Duration.ofNanos(1500))).isEqualTo("1500ns");
        assertThat(ConnpoolsEndpoint.text(Duration.ofNanos(3000))).isEqualTo("3us");
        assertThat(ConnpoolsEndpoint.text(Duration.ofSeconds(Long.MAX_VALUE / 1000))).endsWith("s");
    }
}
