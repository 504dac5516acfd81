package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;
import org.springframework.cloud.zookeeper.serviceregistry.ServiceInstanceRegistration;
import org.springframework.cloud.zookeeper.serviceregistry.ZookeeperRegistration;
import org.springframework.cloud.zookeeper.serviceregistry.ZookeeperServiceRegistry;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code discovery.spring-cloud} over real Spring Cloud Zookeeper Discovery: a ZooKeeper server (curator-test's
 * {@link TestingServer}), backends ({@link TestServer}) registered as Spring Cloud registers an application
 * (its {@link ZookeeperServiceRegistry}, {@link ServiceInstanceRegistration}s with a {@link ZookeeperInstance}
 * payload, built as its auto-registration builds them, made in an application of their own), and a consuming
 * web application that registers itself (so that Spring Cloud Zookeeper watches its root and publishes
 * heartbeat events) with a pool on the service id. The refresh interval stays at its default (30 s): what
 * the pool follows within {@link #FOLLOW}, it follows on Spring Cloud's heartbeats.
 */
class SpringCloudZookeeperDiscoveryTests {

    private static final Logger log = LoggerFactory.getLogger(SpringCloudZookeeperDiscoveryTests.class);
    private static final String SERVICE = "orders-service";
    /**
     * How long the pool may take to follow a change: well under the refresh interval (30 s) and the removal
     * delay (60 s), so only Spring Cloud's heartbeats can make it, yet far above the 150 ms it takes, so that a
     * busy CI machine (the JIT still at work just after two contexts started) does not miss it. It was 1 s.
     */
    private static final Duration FOLLOW = Duration.ofSeconds(5);

    private static TestingServer zookeeper;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zookeeper = new TestingServer(true);
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @Test
    void thePoolFollowsSpringCloudZookeeperRegistrationsAndAnInstanceOutOfServiceLeavesOnTheNextHeartbeat() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start(); TestServer c = TestServer.start();
             ConfigurableApplicationContext registrar = registrar()) {
            ZookeeperServiceRegistry registry = registrar.getBean(ZookeeperServiceRegistry.class);
            ZookeeperRegistration registeredA = register(registry, a);
            ZookeeperRegistration registeredB = register(registry, b);
            try (ConfigurableApplicationContext consumer = consumer()) {
                MultiPool<SocketConnection> orders = orders(consumer);
                assertThat(consumer.getBean(DiscoveryClient.class).getInstances(SERVICE)).hasSize(2);
                assertThat(orders.servers()).as("the registered instances, before the pool bean is handed out")
                        .containsExactlyInAnyOrder(a.address(), b.address());

                long start = System.nanoTime();
                registry.setStatus(registeredB, "OUT_OF_SERVICE"); // what POST /actuator/serviceregistry does
                await().atMost(FOLLOW).until(orders::servers, s -> s.equals(Set.of(a.address())));
                long outMillis = (System.nanoTime() - start) / 1_000_000;
                int acceptedByB = b.accepted();
                assertThat(borrowedFrom(orders, 40)).as("no call reaches the instance out of service")
                        .containsOnly(a.address());
                assertThat(b.accepted()).isEqualTo(acceptedByB);
                assertThat(registry.getStatus(registeredB)).isEqualTo("OUT_OF_SERVICE");
                log.info("OUT_OF_SERVICE: the instance left the pool in {} ms", outMillis);

                registry.setStatus(registeredB, "UP");
                await().atMost(FOLLOW).until(orders::servers,
                        s -> s.equals(Set.of(a.address(), b.address())));

                ZookeeperRegistration registeredC = register(registry, c);
                await().atMost(FOLLOW).until(orders::servers,
                        s -> s.equals(Set.of(a.address(), b.address(), c.address())));
                registry.deregister(registeredC);
                await().atMost(FOLLOW).until(() -> discovery(consumer).get("removing"),
                        removing -> List.of(c.address().toString()).equals(removing));
                assertThat(orders.servers()).as("a deregistered instance stays for the removal delay (60 s)")
                        .contains(c.address());
                assertThat(discovery(consumer)).containsEntry("kind", "spring-cloud").containsEntry("target", SERVICE)
                        .containsEntry("connected", true);
            }
            registry.deregister(registeredA);
            registry.deregister(registeredB);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** An application that registers nothing itself: its ZookeeperServiceRegistry registers the backends. */
    private static ConfigurableApplicationContext registrar() {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .run(zookeeperArgs("registrar", "--spring.cloud.zookeeper.discovery.register=false"));
    }

    /** A web application that registers itself, with a pool on the service. */
    private static ConfigurableApplicationContext consumer() {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.SERVLET)
                .run(zookeeperArgs("consumer", "--server.port=0",
                        "--connpool.pools.orders.discovery.spring-cloud.service-id=" + SERVICE));
    }

    private static String[] zookeeperArgs(String name, String... more) {
        List<String> args = new ArrayList<>(List.of("--spring.application.name=" + name,
                "--spring.cloud.zookeeper.enabled=true", // off for the other tests (src/test/resources)
                "--spring.cloud.zookeeper.connect-string=" + zookeeper.getConnectString(),
                "--spring.cloud.zookeeper.discovery.instance-host=127.0.0.1", "--spring.main.banner-mode=off"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Registers a backend as Spring Cloud Zookeeper's auto-registration registers an application. */
    private static ZookeeperRegistration register(ZookeeperServiceRegistry registry, TestServer server) {
        Map<String, String> metadata = new HashMap<>(Map.of("instance_status", "UP"));
        String id = UUID.randomUUID().toString();
        ServiceInstanceRegistration registration = ServiceInstanceRegistration.builder()
                .address("127.0.0.1").name(SERVICE).port(server.port()).id(id)
                .payload(new ZookeeperInstance(id, SERVICE, metadata))
                .uriSpec("{scheme}://{address}:{port}").build();
        registry.register(registration);
        return registration;
    }

    private static List<ServerAddress> borrowedFrom(MultiPool<SocketConnection> pool, int borrows) {
        List<ServerAddress> servers = new ArrayList<>();
        for (int i = 0; i < borrows; i++) {
            try (Lease<SocketConnection> lease = pool.borrow()) {
                servers.add(lease.server());
            }
        }
        return servers;
    }

    @SuppressWarnings("unchecked")
    private static MultiPool<SocketConnection> orders(ConfigurableApplicationContext context) {
        return context.getBean("orders", MultiPool.class);
    }

    private static Map<String, Object> discovery(ConfigurableApplicationContext context) {
        return context.getBean(PoolDiscoveryDetails.class).details("orders");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
