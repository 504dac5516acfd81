package dev.connpool.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.PoolMetrics;
import dev.connpool.PoolTimeoutException;
import dev.connpool.TestServer;
import dev.connpool.spring.BootGeneration;
import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.MultiPoolBuilderCustomizer;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;

class ConnpoolMetricsAutoConfigurationTests {

    private static final List<String> SERVER_METERS = List.of("connpool.connections.active",
            "connpool.connections.idle", "connpool.connections.pending", "connpool.connections.max",
            "connpool.connections.created", "connpool.connections.destroyed", "connpool.server.up",
            "connpool.server.ejections");

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(BootGeneration.METRICS_AUTO_CONFIGURATION, ConnpoolAutoConfiguration.class,
                    ConnpoolMetricsAutoConfiguration.class));

    @Test
    void runWithAMeterRegistryShouldBindEveryMeterOfEveryServerWithItsTags() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withBean(SimpleMeterRegistry.class).withPropertyValues(servers("orders", a, b),
                    "connpool.pools.orders.max-active=5").run(context -> {
                        assertThat(context).hasSingleBean(ConnpoolMeterBinder.class).hasBean("connpoolMetricsCustomizer");
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        for (TestServer server : List.of(a, b)) {
                            for (String name : SERVER_METERS) {
                                assertThat(registry.find(name).tags("pool", "orders", "server", server.address().toString())
                                        .meter()).as(name + " of " + server).isNotNull();
                            }
                            assertThat(gauge(registry, "connpool.connections.active", server)).isZero();
                            assertThat(gauge(registry, "connpool.connections.idle", server)).isZero();
                            assertThat(gauge(registry, "connpool.connections.pending", server)).isZero();
                            assertThat(gauge(registry, "connpool.connections.max", server)).isEqualTo(5);
                            assertThat(gauge(registry, "connpool.server.up", server)).isEqualTo(1);
                            assertThat(counter(registry, "connpool.server.ejections", server)).isZero();
                            assertThat(counter(registry, "connpool.connections.created", server)).isZero();
                        }
                        assertThat(registry.get("connpool.connections.acquire").timer().getId().getTags())
                                .extracting(t -> t.getKey()).containsExactly("pool");
                        assertThat(registry.get("connpool.connections.timeout").counter().getId().getTags())
                                .extracting(t -> t.getKey()).containsExactly("pool");
                    });
        }
    }

    /**
     * The registry Boot makes itself (no application bean): the connpool metrics are ordered after the
     * auto-configurations that make it, or their {@code @ConditionalOnBean(MeterRegistry.class)} finds none and
     * the meters are silently missing (as they were on Boot 3.5 when only Boot 4's names were listed).
     */
    @Test
    void runWithTheRegistryBootMakesShouldBindTheMeters() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withConfiguration(AutoConfigurations.of(
                            BootGeneration.METER_REGISTRY_AUTO_CONFIGURATIONS.toArray(Class<?>[]::new)))
                    .withPropertyValues(servers("orders", a)).run(context -> {
                        assertThat(context).hasSingleBean(MeterRegistry.class).hasSingleBean(ConnpoolMeterBinder.class)
                                .hasBean("connpoolMetricsCustomizer");
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        context.getBean("orders", MultiPool.class).borrow().close();
                        assertThat(gauge(registry, "connpool.connections.idle", a)).isEqualTo(1);
                        assertThat(registry.get("connpool.connections.acquire").timer().count()).isEqualTo(1);
                    });
        }
    }

    @Test
    void runWhenConnectionsAreLeasedAndReturnedShouldShowItInTheGauges() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            runner.withBean(SimpleMeterRegistry.class).withPropertyValues(servers("orders", a, b),
                    "connpool.pools.orders.ejection.base-time=1m", "connpool.pools.orders.ejection.max-time=1m")
                    .run(context -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                Lease<?> first = orders.borrow(a.address());
                Lease<?> second = orders.borrow(a.address());
                assertThat(gauge(registry, "connpool.connections.active", a)).isEqualTo(2);
                assertThat(gauge(registry, "connpool.connections.active", b)).isZero();
                first.close();
                second.invalidate();
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    assertThat(gauge(registry, "connpool.connections.active", a)).isZero();
                    assertThat(gauge(registry, "connpool.connections.idle", a)).isEqualTo(1);
                    assertThat(counter(registry, "connpool.connections.created", a)).isEqualTo(2);
                    assertThat(counter(registry, "connpool.connections.destroyed", a)).isEqualTo(1);
                });
                assertThat(orders.eject(a.address())).isTrue();
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    assertThat(gauge(registry, "connpool.server.up", a)).isZero();
                    assertThat(counter(registry, "connpool.server.ejections", a)).isEqualTo(1);
                });
            });
        }
    }

    @Test
    void runWhenServersAreAddedAndRemovedAtRunTimeShouldFollowThem() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start(); TestServer c = TestServer.start()) {
            runner.withBean(SimpleMeterRegistry.class).withPropertyValues(servers("orders", a, b)).run(context -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                assertThat(meterCount(registry, c)).isZero();
                orders.addServer(c.address());
                assertThat(meterCount(registry, c)).isEqualTo(SERVER_METERS.size());
                orders.borrow(c.address()).close();
                assertThat(gauge(registry, "connpool.connections.idle", c)).isEqualTo(1);
                orders.removeServer(a.address());
                assertThat(meterCount(registry, a)).isZero();
                assertThat(meterCount(registry, b)).isEqualTo(SERVER_METERS.size());
                orders.addServer(a.address());
                assertThat(meterCount(registry, a)).isEqualTo(SERVER_METERS.size());
                orders.updateServers(List.of(c.address()));
                assertThat(meterCount(registry, a)).isZero();
                assertThat(meterCount(registry, b)).isZero();
                assertThat(meterCount(registry, c)).isEqualTo(SERVER_METERS.size());
            });
        }
    }

    @Test
    void runWhenBorrowingShouldTimeEveryAcquisition() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withBean(SimpleMeterRegistry.class).withPropertyValues(servers("orders", a)).run(context -> {
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                Timer acquire = registry.get("connpool.connections.acquire").tag("pool", "orders").timer();
                assertThat(acquire.count()).isZero();
                for (int i = 0; i < 3; i++) {
                    orders.borrow().close();
                }
                assertThat(acquire.count()).isEqualTo(3);
                assertThat(acquire.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
            });
        }
    }

    @Test
    void runWhenABorrowTimesOutShouldCountIt() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withBean(SimpleMeterRegistry.class).withPropertyValues(servers("orders", a),
                    "connpool.pools.orders.max-active=1", "connpool.pools.orders.max-wait=50ms").run(context -> {
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                        Counter timeouts = registry.get("connpool.connections.timeout").tag("pool", "orders").counter();
                        try (Lease<?> held = orders.borrow(a.address())) {
                            assertThatThrownBy(() -> orders.borrow(a.address())).isInstanceOf(PoolTimeoutException.class);
                            assertThatThrownBy(() -> orders.borrow(a.address())).isInstanceOf(PoolTimeoutException.class);
                            assertThat(held.server()).isEqualTo(a.address());
                        }
                        assertThat(timeouts.count()).isEqualTo(2);
                        assertThat(registry.get("connpool.connections.acquire").timer().count()).isEqualTo(1);
                    });
        }
    }

    @Test
    void runWhenTheContextClosesShouldRemoveTheMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TestServer a = TestServer.start()) {
            runner.withBean("meterRegistry", MeterRegistry.class, () -> registry)
                    .withPropertyValues(servers("orders", a))
                    .run(context -> assertThat(registry.find("connpool.connections.active").meters()).hasSize(1));
        }
        assertThat(registry.getMeters()).noneMatch(m -> m.getId().getName().startsWith("connpool."));
    }

    @Test
    void runWithoutMicrometerShouldRegisterNoMetricsAndStillCreateWorkingPools() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withPropertyValues(servers("orders", a))
                    .withClassLoader(new FilteredClassLoader("io.micrometer"))
                    .run(context -> {
                        assertThat(context).hasNotFailed().doesNotHaveBean("connpoolMeterBinder")
                                .doesNotHaveBean("connpoolMetricsCustomizer");
                        MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                        try (Lease<?> lease = orders.borrow()) {
                            assertThat(lease.server()).isEqualTo(a.address());
                        }
                    });
        }
    }

    @Test
    void runWithoutAMeterRegistryShouldRegisterNoMetrics() {
        runner.withPropertyValues("connpool.pools.orders.servers=127.0.0.1:9001").run(context -> {
                    assertThat(context).hasBean("orders").doesNotHaveBean(ConnpoolMeterBinder.class)
                            .doesNotHaveBean("connpoolMetricsCustomizer");
                });
    }

    @Test
    void runWhenTheUserDefinesABinderShouldKeepIt() {
        runner.withBean(SimpleMeterRegistry.class)
                .withBean("myBinder", ConnpoolMeterBinder.class, () -> new ConnpoolMeterBinder(new MultiPoolRegistry(List.of())))
                .withPropertyValues("connpool.pools.orders.servers=127.0.0.1:9001").run(context -> {
                    assertThat(context).hasSingleBean(ConnpoolMeterBinder.class).hasBean("myBinder");
                    assertThat(context.getBean(MeterRegistry.class).find("connpool.connections.active").meters()).isEmpty();
                });
    }

    @Test
    void runWhenTheUserDefinesTheCustomizerShouldKeepIt() throws Exception {
        MultiPoolBuilderCustomizer mine = (name, builder) -> builder.metrics(PoolMetrics.NONE);
        try (TestServer a = TestServer.start()) {
            runner.withBean(SimpleMeterRegistry.class).withPropertyValues(servers("orders", a))
                    .withBean("connpoolMetricsCustomizer", MultiPoolBuilderCustomizer.class, () -> mine).run(context -> {
                        assertThat(context.getBean("connpoolMetricsCustomizer")).isSameAs(mine);
                        context.getBean("orders", MultiPool.class).borrow().close();
                        assertThat(context.getBean(MeterRegistry.class).get("connpool.connections.acquire").timer().count())
                                .isZero();
                    });
        }
    }

    @Test
    void everyBeanMethodShouldBeConditionalOnMissingBean() {
        for (Method method : ConnpoolMetricsAutoConfiguration.class.getDeclaredMethods()) {
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

    private static double gauge(MeterRegistry registry, String name, TestServer server) {
        Gauge gauge = registry.get(name).tags("pool", "orders", "server", server.address().toString()).gauge();
        return gauge.value();
    }

    private static double counter(MeterRegistry registry, String name, TestServer server) {
        FunctionCounter counter = registry.get(name).tags("pool", "orders", "server", server.address().toString())
                .functionCounter();
        return counter.count();
    }

    private static int meterCount(MeterRegistry registry, TestServer server) {
        return (int) registry.getMeters().stream()
                .filter(m -> server.address().toString().equals(m.getId().getTag("server"))).count();
    }
}
