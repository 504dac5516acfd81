package dev.connpool.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connpool.ConnectFailedException;
import dev.connpool.MultiPool;
import dev.connpool.PoolException;
import dev.connpool.ServerAddress;
import dev.connpool.TestServer;
import dev.connpool.spring.BootGeneration;
import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.HealthView;
import dev.connpool.spring.ServerView;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

class ConnpoolHealthContributorAutoConfigurationTests {

    private static final String ORDERS = "connpool.pools.orders.servers=127.0.0.1:9001,127.0.0.1:9002";

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(ConnpoolAutoConfiguration.class, ConnpoolHealthContributorAutoConfiguration.class));

    @Test
    void runWhenPoolsAreConfiguredShouldRegisterTheConnpoolContributorWithOneChildPerPool() {
        runner.withPropertyValues(ORDERS, "connpool.pools.users.servers=127.0.0.1:9003").run(context -> {
            assertThat(context).hasBean("connpoolHealthContributor");
            // a composite of one health indicator per pool
            assertThat(BootGeneration.healthChildren(context)).containsExactly("orders", "users");
        });
    }

    @Test
    void runWhenEveryServerIsUpShouldReportUpWithEachServersDetails() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b)).run(context -> {
                MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                orders.borrow(a.address()).close();
                HealthView health = health(context, "orders");
                assertThat(health.status()).isEqualTo("UP");
                assertThat(health.details()).containsEntry("usableServers", 2);
                List<Map<String, Object>> servers = servers(health);
                assertThat(servers).extracting(s -> s.get("server"))
                        .containsExactly(a.address().toString(), b.address().toString());
                assertThat(servers.get(0)).containsEntry("state", "ACTIVE").containsEntry("active", 0)
                        .containsEntry("idle", 1).containsEntry("waiting", 0).containsEntry("failures", 0)
                        .containsEntry("ejections", 0L).containsEntry("ejectedUntil", null).containsEntry("usable", true);
                assertThat(servers.get(1)).containsEntry("idle", 0);
            });
        }
    }

    @Test
    void runWithLeakDetectionShouldCountTheLeasesHeldTooLong() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a), "connpool.pools.orders.leak-detection-threshold=100ms")
                    .run(context -> {
                        MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                        assertThat(health(context, "orders").details()).containsEntry("overdueLeases", 0);
                        var held = orders.borrow();
                        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                            HealthView health = health(context, "orders");
                            assertThat(health.details()).containsEntry("overdueLeases", 1);
                            assertThat(servers(health).get(0)).containsEntry("overdueLeases", 1);
                            assertThat(health.status()).isEqualTo("UP");
                        });
                        held.close();
                        assertThat(health(context, "orders").details()).containsEntry("overdueLeases", 0);
                    });
        }
    }

    @Test
    void runWhenAServerIsEjectedShouldStayUpAndShowWhenTheEjectionEnds() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b), "connpool.pools.orders.ejection.base-time=1m",
                            "connpool.pools.orders.ejection.max-time=1m")
                    .run(context -> {
                        MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                        assertThat(orders.eject(b.address())).isTrue();
                        HealthView health = health(context, "orders");
                        assertThat(health.status()).isEqualTo("UP");
                        assertThat(health.details()).containsEntry("usableServers", 1);
                        Map<String, Object> ejected = servers(health).get(1);
                        assertThat(ejected).containsEntry("server", b.address().toString())
                                .containsEntry("state", "EJECTED").containsEntry("ejections", 1L)
                                .containsKey("ejectedUntil");
                    });
        }
    }

    @Test
    void runWhenNoServerCanBeUsedShouldReportDownUntilOneServesAgain() throws Exception {
        try (TestServer a = TestServer.start()) {
            a.stop();
            runner.withPropertyValues(servers("orders", a), "connpool.pools.orders.ejection.consecutive-failures=1",
                    "connpool.pools.orders.retry.attempts=1").run(context -> {
                        MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                        assertThatThrownBy(() -> orders.borrow().close()).isInstanceOf(ConnectFailedException.class);
                        HealthView down = health(context, "orders");
                        assertThat(down.status()).isEqualTo("DOWN");
                        assertThat(down.details()).containsEntry("usableServers", 0);
                        assertThat(servers(down).get(0)).containsEntry("failures", 1);
                        a.restart();
                        orders.borrow().close();
                        assertThat(health(context, "orders").status()).isEqualTo("UP");
                    });
        }
    }

    @Test
    void runWithHealthChecksShouldReportDownWithoutTrafficWhenEveryServerRefusesAndSayWhy() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b), "connpool.pools.orders.health-check.interval=200ms",
                    "connpool.pools.orders.socket.connect-timeout=500ms").run(context -> {
                        assertThat(health(context, "orders").status()).isEqualTo("UP");
                        a.stop();
                        b.stop();
                        // within the interval plus the connect timeout (and slack for a busy machine)
                        await().atMost(Duration.ofMillis(200 + 500 + 1_000)).pollInterval(Duration.ofMillis(10))
                                .until(() -> health(context, "orders").status().equals("DOWN"));
                        HealthView down = health(context, "orders");
                        assertThat(down.details()).containsEntry("usableServers", 0);
                        assertThat(servers(down)).anySatisfy(server -> {
                            ServerView.Change why = history(server).get(0);
                            assertThat(why.origin()).isEqualTo("PROBE");
                            assertThat(why.reason()).isIn("probe failed", "trial failed");
                            assertThat(why.kind()).isEqualTo("SERVER");
                            assertThat(why.exception()).isEqualTo("java.net.ConnectException");
                            assertThat(why.at()).isNotBlank();
                        });
                        a.restart();
                        b.restart();
                        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                                .until(() -> health(context, "orders").details().get("usableServers").equals(2));
                    });
        }
    }

    @Test
    void runWhenAnOperatorEjectsAServerTheDetailsShouldSaySo() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b)).run(context -> {
                context.getBean("orders", MultiPool.class).eject(b.address());
                HealthView health = health(context, "orders");
                List<ServerView.Change> history = history(servers(health).get(1));
                assertThat(history).extracting(ServerView.Change::reason).containsExactly("ejected by operator", "added");
                assertThat(history.get(0)).satisfies(c -> {
                    assertThat(c.from()).isEqualTo("ACTIVE");
                    assertThat(c.to()).isEqualTo("EJECTED");
                    assertThat(c.origin()).isEqualTo("OPERATOR");
                    assertThat(c.kind()).isNull();
                    assertThat(c.exception()).isNull();
                });
                assertThat(history.get(1).from()).as("joined").isNull();
            });
        }
    }

    @Test
    void runWhenEveryServerIsRemovedShouldReportDown() {
        runner.withPropertyValues(ORDERS).run(context -> {
            MultiPool<?> orders = context.getBean("orders", MultiPool.class);
            orders.removeServer(ServerAddress.parse("127.0.0.1:9001"));
            orders.removeServer(ServerAddress.parse("127.0.0.1:9002"));
            assertThatThrownBy(orders::borrow).isInstanceOf(PoolException.class);
            HealthView health = health(context, "orders");
            assertThat(health.status()).isEqualTo("DOWN");
        });
    }

    @Test
    void runWhenTheIndicatorIsDisabledShouldNotRegisterTheContributor() {
        runner.withPropertyValues(ORDERS, "management.health.connpool.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean("connpoolHealthContributor");
            assertThat(context).hasBean("orders");
        });
    }

    @Test
    void runWhenHealthIndicatorsAreDisabledByDefaultShouldNotRegisterTheContributor() {
        runner.withPropertyValues(ORDERS, "management.health.defaults.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("connpoolHealthContributor"));
    }

    @Test
    void runWhenSpringBootHealthIsMissingShouldNotRegisterTheContributorButStillCreateThePools() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a))
                    .withClassLoader(new FilteredClassLoader(BootGeneration.HEALTH_API_PACKAGE))
                    .run(context -> {
                        assertThat(context).hasNotFailed().doesNotHaveBean("connpoolHealthContributor");
                        MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                        try (var lease = orders.borrow()) {
                            assertThat(lease.server()).isEqualTo(a.address());
                        }
                    });
        }
    }

    @Test
    void runWhenConnpoolIsDisabledShouldNotRegisterTheContributor() {
        runner.withPropertyValues(ORDERS, "connpool.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("connpoolHealthContributor"));
    }

    @Test
    void runWhenTheUserDefinesAContributorOfTheSameNameShouldKeepIt() {
        BootGeneration.withOwnHealthIndicator(runner.withPropertyValues(ORDERS), "connpoolHealthContributor")
                .run(context -> assertThat(BootGeneration.health(context.getBean("connpoolHealthContributor")).details())
                        .containsExactly(Map.entry("mine", true)));
    }

    @Test
    void everyBeanMethodShouldBeConditionalOnMissingBean() {
        for (Method method : ConnpoolHealthContributorAutoConfiguration.PoolHealthContributorConfiguration.class
                .getDeclaredMethods()) {
            if (method.isAnnotationPresent(Bean.class)) {
                assertThat(method.isAnnotationPresent(ConditionalOnMissingBean.class)).as(method.getName()).isTrue();
            }
        }
    }

    private static String servers(String pool, TestServer... servers) {
        StringBuilder list = new StringBuilder();
        for (TestServer server : servers) {
            list.append(list.isEmpty() ? "" : ",").append(server.address());
        }
        return "connpool.pools." + pool + ".servers=" + list;
    }

    private static HealthView health(ApplicationContext context, String pool) {
        return BootGeneration.health(context, pool);
    }

    @SuppressWarnings("unchecked")
    private static List<ServerView.Change> history(Map<String, Object> server) {
        return (List<ServerView.Change>) server.get("history");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> servers(HealthView health) {
        return (List<Map<String, Object>>) health.details().get("servers");
    }
}
