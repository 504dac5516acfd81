package dev.connpool.spring.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connpool.ConnectFailedException;
import dev.connpool.MultiPool;
import dev.connpool.PoolException;
import dev.connpool.ServerAddress;
import dev.connpool.TestServer;
import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.ServerView;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;

class ConnpoolHealthContributorAutoConfigurationTests {

    private static final String ORDERS = "connpool.pools.orders.servers=127.0.0.1:9001,127.0.0.1:9002";

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(ConnpoolAutoConfiguration.class, ConnpoolHealthContributorAutoConfiguration.class));

    @Test
    void runWhenPoolsAreConfiguredShouldRegisterTheConnpoolContributorWithOneChildPerPool() {
        runner.withPropertyValues(ORDERS, "connpool.pools.users.servers=127.0.0.1:9003").run(context -> {
            assertThat(context).hasBean("connpoolHealthContributor");
            HealthContributor contributor = context.getBean("connpoolHealthContributor", HealthContributor.class);
            assertThat(contributor).isInstanceOf(CompositeHealthContributor.class);
            CompositeHealthContributor composite = (CompositeHealthContributor) contributor;
            assertThat(composite.stream().map(e -> e.name())).containsExactly("orders", "users");
            assertThat(composite.getContributor("orders")).isInstanceOf(HealthIndicator.class);
        });
    }

    @Test
    void runWhenEveryServerIsUpShouldReportUpWithEachServersDetails() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b)).run(context -> {
                MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                orders.borrow(a.address()).close();
                Health health = health(context.getBean("connpoolHealthContributor", HealthContributor.class), "orders");
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(health.getDetails()).containsEntry("usableServers", 2);
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
                        HealthContributor contributor = context.getBean("connpoolHealthContributor", HealthContributor.class);
                        assertThat(health(contributor, "orders").getDetails()).containsEntry("overdueLeases", 0);
                        var held = orders.borrow();
                        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                            Health health = health(contributor, "orders");
                            assertThat(health.getDetails()).containsEntry("overdueLeases", 1);
                            assertThat(servers(health).get(0)).containsEntry("overdueLeases", 1);
                            assertThat(health.getStatus()).isEqualTo(Status.UP);
                        });
                        held.close();
                        assertThat(health(contributor, "orders").getDetails()).containsEntry("overdueLeases", 0);
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
                        Health health = health(context.getBean("connpoolHealthContributor", HealthContributor.class),
                                "orders");
                        assertThat(health.getStatus()).isEqualTo(Status.UP);
                        assertThat(health.getDetails()).containsEntry("usableServers", 1);
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
                        HealthContributor contributor = context.getBean("connpoolHealthContributor", HealthContributor.class);
                        assertThatThrownBy(() -> orders.borrow().close()).isInstanceOf(ConnectFailedException.class);
                        Health down = health(contributor, "orders");
                        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(down.getDetails()).containsEntry("usableServers", 0);
                        assertThat(servers(down).get(0)).containsEntry("failures", 1);
                        a.restart();
                        orders.borrow().close();
                        assertThat(health(contributor, "orders").getStatus()).isEqualTo(Status.UP);
                    });
        }
    }

    @Test
    void runWithHealthChecksShouldReportDownWithoutTrafficWhenEveryServerRefusesAndSayWhy() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b), "connpool.pools.orders.health-check.interval=200ms",
                    "connpool.pools.orders.socket.connect-timeout=500ms").run(context -> {
                        HealthContributor contributor = context.getBean("connpoolHealthContributor", HealthContributor.class);
                        assertThat(health(contributor, "orders").getStatus()).isEqualTo(Status.UP);
                        a.stop();
                        b.stop();
                        // within the interval plus the connect timeout (and slack for a busy machine)
                        await().atMost(Duration.ofMillis(200 + 500 + 1_000)).pollInterval(Duration.ofMillis(10))
                                .until(() -> health(contributor, "orders").getStatus().equals(Status.DOWN));
                        Health down = health(contributor, "orders");
                        assertThat(down.getDetails()).containsEntry("usableServers", 0);
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
                                .until(() -> health(contributor, "orders").getDetails().get("usableServers").equals(2));
                    });
        }
    }

    @Test
    void runWhenAnOperatorEjectsAServerTheDetailsShouldSaySo() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a, b)).run(context -> {
                context.getBean("orders", MultiPool.class).eject(b.address());
                Health health = health(context.getBean("connpoolHealthContributor", HealthContributor.class), "orders");
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
            Health health = health(context.getBean("connpoolHealthContributor", HealthContributor.class), "orders");
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
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
                    .withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
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
        HealthIndicator mine = () -> Health.up().withDetail("mine", true).build();
        runner.withPropertyValues(ORDERS)
                .withBean("connpoolHealthContributor", HealthIndicator.class, () -> mine)
                .run(context -> assertThat(context.getBean("connpoolHealthContributor")).isSameAs(mine));
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

    private static Health health(HealthContributor contributor, String pool) {
        return ((HealthIndicator) ((CompositeHealthContributor) contributor).getContributor(pool)).health();
    }

    @SuppressWarnings("unchecked")
    private static List<ServerView.Change> history(Map<String, Object> server) {
        return (List<ServerView.Change>) server.get("history");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> servers(Health health) {
        return (List<Map<String, Object>>) health.getDetails().get("servers");
    }
}
