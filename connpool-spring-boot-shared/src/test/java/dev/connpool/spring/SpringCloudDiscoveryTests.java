package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import dev.connpool.spring.health.ConnpoolHealthContributorAutoConfiguration;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryProperties;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code connpool.pools.<name>.discovery.spring-cloud.*} over Spring Cloud's own discovery clients: the simple
 * one ({@code spring.cloud.discovery.client.simple.instances.*}, changed at run time as a configuration
 * refresh changes it: the environment, then its properties bound again), behind Spring Cloud's composite, and
 * a client of the test's that fails on demand. Real backends ({@link TestServer}). The refresh interval is an
 * hour unless a test says otherwise: what the pool follows, it follows on Spring Cloud's heartbeat events.
 */
class SpringCloudDiscoveryTests {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final String SIMPLE = "spring.cloud.discovery.client.simple.instances.orders-service";
    private static final String CLOUD = "connpool.pools.orders.discovery.spring-cloud.";
    private static final AtomicInteger REFRESHES = new AtomicInteger();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class,
                    ConnpoolHealthContributorAutoConfiguration.class))
            .withPropertyValues(CLOUD + "service-id=orders-service", CLOUD + "refresh-interval=1h");

    private final ApplicationContextRunner simple = runner.withConfiguration(AutoConfigurations.of(
            UtilAutoConfiguration.class, SimpleDiscoveryClientAutoConfiguration.class,
            CompositeDiscoveryClientAutoConfiguration.class));

    @Test
    void thePoolHasTheServiceInstancesAtStartAndFollowsRegistrationsOnHeartbeats() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            simple.withPropertyValues(SIMPLE + "[0].uri=http://" + a.address(), CLOUD + "removal-delay=0s")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).as("set before the pool bean is handed out")
                                .containsExactly(a.address());
                        assertThat(discovery(context)).containsEntry("kind", "spring-cloud")
                                .containsEntry("target", "orders-service").containsEntry("connected", true)
                                .containsEntry("synced", true).containsEntry("listed", List.of(a.address().toString()))
                                .containsKey("lastUpdate").doesNotContainKeys("skipped", "removing", "lastError");

                        register(context, a, b);
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(a.address(), b.address())));

                        register(context, b);
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(b.address())));
                        assertThat(borrowedFrom(orders, 20)).containsOnly(b.address());

                        // a configuration refresh of the simple client's instances, with no heartbeat
                        rebind(context, Map.of(a, "UP"));
                        context.publishEvent(new EnvironmentChangeEvent(context, Set.of(SIMPLE + "[0].uri")));
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(a.address())));
                    });
        }
    }

    @Test
    void anInstanceGoneFromTheClientStaysForTheRemovalDelayAndAnInstanceNotUpLeavesAtOnce() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            simple.withPropertyValues(SIMPLE + "[0].uri=http://" + a.address(), SIMPLE + "[1].uri=http://" + b.address())
                    .run(context -> { // the default removal delay, 60 s
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).containsExactlyInAnyOrder(a.address(), b.address());

                        register(context, a);
                        await().atMost(PATIENCE).until(() -> discovery(context).get("listed"),
                                listed -> List.of(a.address().toString()).equals(listed));
                        assertThat(orders.servers()).as("kept for the removal delay")
                                .containsExactlyInAnyOrder(a.address(), b.address());
                        assertThat(discovery(context)).containsEntry("removing", List.of(b.address().toString()));

                        register(context, a, b);
                        await().atMost(PATIENCE).until(() -> discovery(context), d -> !d.containsKey("removing"));

                        registerWithStatus(context, Map.of(a, "UP", b, "OUT_OF_SERVICE"));
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(a.address())));
                        int acceptedBefore = b.accepted();
                        assertThat(borrowedFrom(orders, 40)).as("no call reaches the instance out of service")
                                .containsOnly(a.address());
                        assertThat(b.accepted()).isEqualTo(acceptedBefore);
                        assertThat(discovery(context)).doesNotContainKey("removing").hasEntrySatisfying("skipped",
                                skipped -> assertThat(skipped).isEqualTo(
                                        List.of(b.address() + ": instance_status is OUT_OF_SERVICE")));

                        registerWithStatus(context, Map.of(a, "UP", b, "up"));
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(a.address(), b.address())));
                    });
        }
    }

    @Test
    void aClientThatThrowsOrListsNothingLeavesThePoolItsLastServers() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            FlakyDiscoveryClient client = new FlakyDiscoveryClient();
            client.answer(a);
            runner.withBean(DiscoveryClient.class, () -> client)
                    .withPropertyValues(CLOUD + "refresh-interval=100ms", CLOUD + "removal-delay=0s")
                    .run(context -> {
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).containsExactly(a.address());

                        client.fail(new IllegalStateException("Consul answered 503"));
                        int reads = client.reads.get();
                        await().atMost(PATIENCE).until(() -> discovery(context).get("connected"), Boolean.FALSE::equals);
                        await().atMost(PATIENCE).until(() -> client.reads.get() > reads + 3); // several failed reads
                        assertThat(orders.servers()).as("the last list").containsExactly(a.address());
                        assertThat(health(context).status()).isEqualTo("UP");
                        assertThat(discovery(context)).hasEntrySatisfying("lastError", e -> assertThat(e).asString()
                                .contains("Consul answered 503").contains("keeps the last known servers"));
                        assertThat(borrowedFrom(orders, 5)).containsOnly(a.address());

                        client.answer(); // an empty list: Eureka's and Consul's clients answer one while away
                        int emptyReads = client.reads.get();
                        await().atMost(PATIENCE).until(() -> client.reads.get() > emptyReads + 3);
                        assertThat(orders.servers()).as("the last list").containsExactly(a.address());
                        assertThat(discovery(context)).hasEntrySatisfying("lastError",
                                e -> assertThat(e).asString().contains("lists no instance of 'orders-service'"));

                        client.answer(b);
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(b.address())));
                        assertThat(discovery(context)).containsEntry("connected", true).doesNotContainKey("lastError");
                    });
        }
    }

    @Test
    void withoutSpringCloudOnTheClassPathAPoolWithItFailsSayingWhatToAdd() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.cloud")).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new ConnpoolConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: " + CLOUD + "service-id")
                    .contains("\"orders-service\"")
                    .contains("org.springframework.cloud.client.discovery.DiscoveryClient is not on the class path");
            assertThat(analysis.getAction()).contains("spring-cloud-starter-consul-discovery");
        });
    }

    @Test
    void withoutADiscoveryClientBeanAPoolWithItFailsNamingTheServiceId() {
        runner.run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new ConnpoolConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: " + CLOUD + "service-id")
                    .contains("no DiscoveryClient bean");
            assertThat(analysis.getAction()).contains("spring.cloud.discovery.client.simple.instances.orders-service");
        });
    }

    @Test
    void withSeveralDiscoveryClientBeansAndNoPrimaryOneAPoolWithItFailsSayingWhichToMark() {
        runner.withBean("consul", DiscoveryClient.class, FlakyDiscoveryClient::new)
                .withBean("eureka", DiscoveryClient.class, FlakyDiscoveryClient::new).run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new ConnpoolConfigurationFailureAnalyzer()
                            .analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("Property: " + CLOUD + "service-id")
                            .contains("several DiscoveryClient beans [consul, eureka], none of them primary");
                    assertThat(analysis.getAction()).contains("@Primary");
                });
    }

    @Test
    void theSourceIsClosedBeforeThePoolAndStopsReading() throws Exception {
        FlakyDiscoveryClient client = new FlakyDiscoveryClient();
        List<String> destroyed = new CopyOnWriteArrayList<>();
        try (TestServer a = TestServer.start()) {
            client.answer(a);
            runner.withBean(DiscoveryClient.class, () -> client)
                    .withBean(ZooKeeperDiscoveryTests.DestructionRecorder.class,
                            () -> new ZooKeeperDiscoveryTests.DestructionRecorder(destroyed))
                    .withPropertyValues(CLOUD + "refresh-interval=50ms").run(context -> {
                        assertThat(orders(context).servers()).containsExactly(a.address());
                        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                                .contains("connpool-orders-spring-cloud");
                    });
        }
        assertThat(destroyed).containsSubsequence("connpoolServerSources", "orders");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName).as("the source's thread ends").doesNotContain("connpool-orders-spring-cloud"));
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** The simple client's instances of orders-service become these (all UP), as a configuration refresh does. */
    private static void register(AssertableApplicationContext context, TestServer... servers) {
        Map<TestServer, String> up = new LinkedHashMap<>();
        Stream.of(servers).forEach(s -> up.put(s, null));
        registerWithStatus(context, up);
    }

    /**
     * The simple client's instances of orders-service become these, each with its {@code instance_status}
     * (none when null): the environment changed, the properties bound again (as spring-cloud-context's
     * rebinder does on a refresh), then a heartbeat as a registry's watch publishes one.
     */
    private static void registerWithStatus(AssertableApplicationContext context, Map<TestServer, String> instances) {
        rebind(context, instances);
        context.publishEvent(new HeartbeatEvent(context, REFRESHES.get()));
    }

    /** The simple client's instances of orders-service become these, as a configuration refresh makes them. */
    private static void rebind(AssertableApplicationContext context, Map<TestServer, String> instances) {
        Map<String, Object> properties = new HashMap<>();
        int i = 0;
        for (Map.Entry<TestServer, String> instance : instances.entrySet()) {
            properties.put(SIMPLE + "[" + i + "].uri", "http://" + instance.getKey().address());
            if (instance.getValue() != null) {
                properties.put(SIMPLE + "[" + i + "].metadata.instance_status", instance.getValue());
            }
            i++;
        }
        var sources = context.getSourceApplicationContext().getEnvironment().getPropertySources();
        sources.addFirst(new MapPropertySource("refreshed-" + REFRESHES.incrementAndGet(), properties));
        SimpleDiscoveryProperties simple = context.getBean(SimpleDiscoveryProperties.class);
        simple.getInstances().clear();
        Binder.get(context.getEnvironment()).bind("spring.cloud.discovery.client.simple", Bindable.ofInstance(simple));
        simple.afterPropertiesSet(); // as spring-cloud-context's rebinder initializes the bean again
    }

    private static List<ServerAddress> borrowedFrom(MultiPool<SocketConnection> pool, int borrows) {
        List<ServerAddress> servers = new CopyOnWriteArrayList<>();
        for (int i = 0; i < borrows; i++) {
            try (Lease<SocketConnection> lease = pool.borrow()) {
                servers.add(lease.server());
            }
        }
        return servers;
    }

    @SuppressWarnings("unchecked")
    private static MultiPool<SocketConnection> orders(AssertableApplicationContext context) {
        return context.getBean("orders", MultiPool.class);
    }

    private static HealthView health(AssertableApplicationContext context) {
        return BootGeneration.health(context, "orders");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> discovery(AssertableApplicationContext context) {
        Object discovery = health(context).details().get("discovery");
        assertThat(discovery).as("discovery details").isInstanceOf(Map.class);
        return (Map<String, Object>) discovery;
    }

    /** A DiscoveryClient whose answer the test sets: instances of orders-service, or an exception. */
    static final class FlakyDiscoveryClient implements DiscoveryClient {
        final AtomicInteger reads = new AtomicInteger();
        private final AtomicReference<Object> answer = new AtomicReference<>(List.of());

        void answer(TestServer... servers) {
            answer.set(Stream.of(servers).map(s -> (ServiceInstance) new DefaultServiceInstance(
                    "orders-" + s.port(), "orders-service", "127.0.0.1", s.port(), false)).toList());
        }

        void fail(RuntimeException failure) {
            answer.set(failure);
        }

        @Override
        public String description() {
            return "the test's";
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<ServiceInstance> getInstances(String serviceId) {
            reads.incrementAndGet();
            Object now = answer.get();
            if (now instanceof RuntimeException failure) {
                throw failure;
            }
            return serviceId.equals("orders-service") ? (List<ServiceInstance>) now : List.of();
        }

        @Override
        public List<String> getServices() {
            return List.of("orders-service");
        }
    }
}
