package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSource;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import dev.connpool.spring.health.ConnpoolHealthContributorAutoConfiguration;
import dev.connpool.zookeeper.ZooKeeperRegistration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code connpool.pools.<name>.discovery.zookeeper.*} against a real ZooKeeper (curator-test's
 * {@link TestingServer}, one for the class) and real backends ({@link TestServer}). Each test watches a path
 * of its own.
 */
class ZooKeeperDiscoveryTests {

    private static final Duration PATIENCE = Duration.ofSeconds(15);

    private static TestingServer zookeeper;
    private static CuratorFramework writer;

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(ConnpoolAutoConfiguration.class, ConnpoolHealthContributorAutoConfiguration.class));

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zookeeper = new TestingServer(true);
        writer = client(zookeeper.getConnectString());
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        if (writer != null) {
            writer.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @Test
    void withConnectStringThePoolHasZooKeepersServersAtStartAndFollowsThem(TestInfo test) throws Exception {
        String path = path(test);
        List<String> destroyed = new CopyOnWriteArrayList<>();
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start();
             ZooKeeperRegistration registeredA = ZooKeeperRegistration.children(writer, path, a.address())) {
            CuratorFramework[] own = new CuratorFramework[1];
            runner.withBean(DestructionRecorder.class, () -> new DestructionRecorder(destroyed))
                    .withPropertyValues(zk("connect-string", zookeeper.getConnectString()), zk("path", path),
                            zk("session-timeout", "10s"), zk("removal-delay", "0s")) // 0: follows removals at once
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).as("set before the pool bean is handed out")
                                .containsExactly(a.address());
                        try (var lease = orders.borrow()) {
                            assertThat(lease.server()).isEqualTo(a.address());
                        }
                        try (ZooKeeperRegistration registeredB = ZooKeeperRegistration.children(writer, path, b.address())) {
                            await().atMost(PATIENCE).until(orders::servers,
                                    s -> s.equals(Set.of(a.address(), b.address())));
                        }
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(a.address())));
                        registeredA.close();
                        await().atMost(PATIENCE).until(orders::servers, Set::isEmpty);

                        Map<String, Object> discovery = discovery(health(context, "orders"));
                        assertThat(discovery).containsEntry("kind", "zookeeper").containsEntry("target", path)
                                .containsEntry("connected", true).containsEntry("listed", List.of())
                                .containsKey("lastUpdate").doesNotContainKeys("skipped", "lastError");
                        own[0] = ownClient(context);
                        assertThat(own[0].getState()).isEqualTo(CuratorFrameworkState.STARTED);
                        assertThat(own[0].getZookeeperClient().getConnectionTimeoutMs()).isEqualTo(15_000);
                    });
            assertThat(own[0].getState()).as("the pool's own client is closed with the context")
                    .isEqualTo(CuratorFrameworkState.STOPPED);
            assertThat(destroyed).as("the discovery stops before its pool is closed")
                    .containsSubsequence("connpoolServerSources", "orders");
        }
    }

    @Test
    void aServerGoneFromZooKeeperStaysForTheRemovalDelayAndIsShownInHealth(TestInfo test) throws Exception {
        String path = path(test);
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start();
             ZooKeeperRegistration registeredA = ZooKeeperRegistration.children(writer, path, a.address())) {
            ZooKeeperRegistration registeredB = ZooKeeperRegistration.children(writer, path, b.address());
            runner.withPropertyValues(zk("connect-string", zookeeper.getConnectString()), zk("path", path))
                    .run(context -> { // the default removal delay, 60 s
                        assertThat(context).hasNotFailed();
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).containsExactlyInAnyOrder(a.address(), b.address());
                        registeredB.close();
                        await().atMost(PATIENCE).until(() -> discovery(health(context, "orders")).get("listed"),
                                listed -> List.of(a.address().toString()).equals(listed));
                        assertThat(orders.servers()).as("kept for the removal delay")
                                .containsExactlyInAnyOrder(a.address(), b.address());
                        assertThat(discovery(health(context, "orders")))
                                .containsEntry("removing", List.of(b.address().toString()));

                        try (ZooKeeperRegistration again = ZooKeeperRegistration.children(writer, path, b.address())) {
                            await().atMost(PATIENCE).until(() -> discovery(health(context, "orders")),
                                    d -> !d.containsKey("removing"));
                            assertThat(orders.servers()).containsExactlyInAnyOrder(a.address(), b.address());
                        }
                    });
        }
    }

    @Test
    void withoutConnectStringThePoolUsesTheApplicationsCuratorFramework(TestInfo test) throws Exception {
        String path = path(test);
        List<String> destroyed = new CopyOnWriteArrayList<>();
        try (TestServer a = TestServer.start();
             ZooKeeperRegistration registered = ZooKeeperRegistration.children(writer, path, a.address())) {
            CuratorFramework[] bean = new CuratorFramework[1];
            runner.withBean(DestructionRecorder.class, () -> new DestructionRecorder(destroyed))
                    .withBean("curator", CuratorFramework.class, () -> client(zookeeper.getConnectString()))
                    .withPropertyValues(zk("path", path), zk("connection-timeout", "5s"))
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        bean[0] = context.getBean(CuratorFramework.class);
                        assertThat(orders(context).servers()).containsExactly(a.address());
                        assertThat(ownClient(context)).isNull();
                        assertThat(discovery(health(context, "orders"))).containsEntry("connected", true)
                                .containsEntry("listed", List.of(a.address().toString()));
                    });
            assertThat(destroyed).as("the discovery stops before the pool and before the CuratorFramework bean")
                    .containsSubsequence("connpoolServerSources", "orders")
                    .containsSubsequence("connpoolServerSources", "curator");
            assertThat(bean[0].getState()).isEqualTo(CuratorFrameworkState.STOPPED);
        }
    }

    @Test
    void theCuratorFormatReadsTheServiceInstancesUnderTheBasePath(TestInfo test) throws Exception {
        String base = path(test);
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start();
             ZooKeeperRegistration ra = ZooKeeperRegistration.curator(writer, base, "orders-service", a.address());
             ZooKeeperRegistration rb = ZooKeeperRegistration.curator(writer, base, "orders-service", b.address());
             ZooKeeperRegistration other = ZooKeeperRegistration.curator(writer, base, "users", a.address())) {
            runner.withPropertyValues(zk("connect-string", zookeeper.getConnectString()), zk("path", base),
                    zk("format", "curator"), zk("service", "orders-service")).run(context -> {
                        assertThat(orders(context).servers()).containsExactlyInAnyOrder(a.address(), b.address());
                        assertThat(discovery(health(context, "orders"))).containsEntry("kind", "zookeeper")
                                .containsEntry("target", base + "/orders-service")
                                .containsEntry("listed", sorted(a.address(), b.address()));
                    });
        }
    }

    @Test
    void aCuratorPoolWithAnSslBundleReachesEachInstanceAtItsSslPort(TestInfo test) throws Exception {
        String base = path(test);
        SslBundle bundle = mock(SslBundle.class);
        given(bundle.createSslContext()).willReturn(javax.net.ssl.SSLContext.getDefault());
        SslBundles bundles = mock(SslBundles.class);
        given(bundles.getBundle("orders-tls")).willReturn(bundle);
        // as Spring Cloud Zookeeper writes an instance registered with instance-ssl-port
        writer.create().creatingParentsIfNeeded().forPath(base + "/orders-service/5d3b", ("{\"name\":"
                + "\"orders-service\",\"id\":\"5d3b\",\"address\":\"127.0.0.1\",\"port\":8080,\"sslPort\":8443,"
                + "\"payload\":{\"@class\":\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\","
                + "\"id\":\"orders-1\",\"name\":\"orders-service\",\"metadata\":{\"instance_status\":\"UP\"}},"
                + "\"registrationTimeUTC\":1765100000000,\"serviceType\":\"DYNAMIC\"}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ApplicationContextRunner curator = runner.withPropertyValues(zk("connect-string", zookeeper.getConnectString()),
                zk("path", base), zk("format", "curator"), zk("service", "orders-service"));
        curator.withBean(SslBundles.class, () -> bundles)
                .withPropertyValues("connpool.pools.orders.socket.ssl-bundle=orders-tls").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(orders(context).servers()).containsExactly(ServerAddress.of("127.0.0.1", 8443));
                });
        curator.run(context -> assertThat(orders(context).servers()).as("plain text: the port")
                .containsExactly(ServerAddress.of("127.0.0.1", 8080)));
    }

    @Test
    void aNodeThatDoesNotParseIsSkippedAndShownInHealth(TestInfo test) throws Exception {
        String path = path(test);
        try (TestServer a = TestServer.start();
             ZooKeeperRegistration registered = ZooKeeperRegistration.children(writer, path, a.address())) {
            writer.create().forPath(path + "/not-an-address");
            runner.withPropertyValues(zk("connect-string", zookeeper.getConnectString()), zk("path", path))
                    .run(context -> {
                        assertThat(orders(context).servers()).containsExactly(a.address());
                        HealthView health = health(context, "orders");
                        assertThat(health.status()).isEqualTo("UP");
                        assertThat(discovery(health)).containsEntry("listed", List.of(a.address().toString()))
                                .hasEntrySatisfying("skipped", skipped -> assertThat(skipped)
                                        .asInstanceOf(InstanceOfAssertFactories.LIST).singleElement().asString()
                                        .startsWith("not-an-address: ")); // with why
                    });
        }
    }

    @Test
    void staticServersServeUntilZooKeeperAnswersAndThePoolStaysUpWhileZooKeeperIsAway(TestInfo test)
            throws Exception {
        String path = path(test);
        try (TestingServer late = new TestingServer(InstanceSpec.getRandomPort(), false); TestServer a = TestServer.start();
             TestServer b = TestServer.start()) {
            runner.withPropertyValues("connpool.pools.orders.servers=" + a.address(),
                    zk("connect-string", late.getConnectString()), zk("path", path),
                    zk("connection-timeout", "300ms"), zk("session-timeout", "5s")).run(context -> {
                        assertThat(context).hasNotFailed();
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).as("ZooKeeper is down: the static servers").containsExactly(a.address());
                        HealthView before = health(context, "orders");
                        assertThat(before.status()).isEqualTo("UP");
                        assertThat(discovery(before)).containsEntry("connected", false).containsEntry("synced", false)
                                .containsKey("lastError").doesNotContainKey("lastUpdate");

                        late.start();
                        try (CuratorFramework lateWriter = client(late.getConnectString())) {
                            // persistent, so that the node outlives this client, which is closed while ZooKeeper is up
                            lateWriter.create().creatingParentsIfNeeded().forPath(path + "/" + b.address());
                        }
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(b.address())));
                        late.stop();
                        await().atMost(PATIENCE).until(() -> discovery(health(context, "orders")).get("connected"),
                                connected -> Boolean.FALSE.equals(connected));
                        HealthView away = health(context, "orders");
                        assertThat(away.status()).as("the pool keeps serving from the last list").isEqualTo("UP");
                        assertThat(discovery(away)).containsKey("lastError").containsKey("lastUpdate");
                        assertThat(orders.servers()).containsExactly(b.address());
                        try (var lease = orders.borrow()) {
                            assertThat(lease.server()).isEqualTo(b.address());
                        }
                    });
        }
    }

    @Test
    void aSourceThatFailsToStartClosesItsPool() throws Exception {
        CuratorFramework broken = mock(CuratorFramework.class);
        given(broken.getState()).willReturn(CuratorFrameworkState.STARTED);
        given(broken.blockUntilConnected(anyInt(), any(TimeUnit.class))).willReturn(true);
        given(broken.newWatcherRemoveCuratorFramework()).willThrow(new IllegalStateException("boom"));
        try (TestServer a = TestServer.start()) {
            runner.withBean(CuratorFramework.class, () -> broken)
                    .withPropertyValues("connpool.pools.doomed.servers=" + a.address(),
                            "connpool.pools.doomed.min-idle=1", "connpool.pools.doomed.discovery.zookeeper.path=/x")
                    .run(context -> {
                        assertThat(context).hasFailed();
                        assertThat(context.getStartupFailure()).hasRootCauseMessage("boom");
                    });
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                        .doesNotContain("connpool-doomed-housekeeper");
                assertThat(a.openConnections()).isZero();
            });
        }
    }

    @Test
    void withoutCuratorAPoolWithoutDiscoveryWorksAndOneWithDiscoveryFailsSayingWhatToAdd() throws Exception {
        FilteredClassLoader noCurator = new FilteredClassLoader("org.apache.curator");
        try (TestServer a = TestServer.start()) {
            runner.withClassLoader(noCurator).withPropertyValues("connpool.pools.plain.servers=" + a.address())
                    .run(context -> {
                        assertThat(context).hasNotFailed().doesNotHaveBean(ZooKeeperPoolDiscovery.class);
                        try (var lease = context.getBean("plain", MultiPool.class).borrow()) {
                            assertThat(lease.server()).isEqualTo(a.address());
                        }
                        assertThat(health(context, "plain").details()).doesNotContainKey("discovery");
                    });
            runner.withClassLoader(noCurator).withPropertyValues("connpool.pools.plain.servers=" + a.address(),
                    zk("path", "/services/orders")).run(context -> {
                        assertThat(context).hasFailed();
                        FailureAnalysis analysis = new ConnpoolConfigurationFailureAnalyzer()
                                .analyze(context.getStartupFailure());
                        assertThat(analysis).isNotNull();
                        assertThat(analysis.getDescription())
                                .contains("Property: connpool.pools.orders.discovery.zookeeper.path")
                                .contains("\"/services/orders\"")
                                .contains("org.apache.curator.framework.CuratorFramework is not on the class path");
                        assertThat(analysis.getAction()).contains("dev.connpool:connpool-zookeeper");
                    });
        }
    }

    @Test
    void aPoolWithoutDiscoveryHasNoDiscoveryDetails() throws Exception {
        try (TestServer a = TestServer.start()) {
            runner.withPropertyValues("connpool.pools.plain.servers=" + a.address()).run(context -> {
                assertThat(context).hasSingleBean(ZooKeeperPoolDiscovery.class);
                assertThat(health(context, "plain").details()).doesNotContainKey("discovery");
            });
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** Records the order in which beans are destroyed. */
    static final class DestructionRecorder implements DestructionAwareBeanPostProcessor {
        private final List<String> destroyed;

        DestructionRecorder(List<String> destroyed) {
            this.destroyed = destroyed;
        }

        @Override
        public void postProcessBeforeDestruction(Object bean, String beanName) {
            destroyed.add(beanName);
        }
    }

    private static String zk(String key, String value) {
        return "connpool.pools.orders.discovery.zookeeper." + key + "=" + value;
    }

    private static String path(TestInfo test) {
        return "/starter-tests/" + test.getTestMethod().orElseThrow().getName();
    }

    private static CuratorFramework client(String connectString) {
        CuratorFramework client = CuratorFrameworkFactory.builder().connectString(connectString)
                .sessionTimeoutMs(10_000).connectionTimeoutMs(5_000).retryPolicy(new RetryNTimes(3, 100)).build();
        client.start();
        try {
            if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
                client.close();
                throw new AssertionError("no connection to ZooKeeper at " + connectString);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return client;
    }

    /** The Curator client the starter runs for the pool's connect-string, or null. */
    private static CuratorFramework ownClient(AssertableApplicationContext context) {
        ServerSource source = context.getBean(PoolServerSources.class).source("orders");
        assertThat(source).isInstanceOf(ZooKeeperPoolDiscovery.OwnedSource.class);
        return ((ZooKeeperPoolDiscovery.OwnedSource) source).ownClient();
    }

    private static List<String> sorted(ServerAddress... servers) {
        return Stream.of(servers).map(ServerAddress::toString).sorted().toList();
    }

    @SuppressWarnings("unchecked")
    private static MultiPool<SocketConnection> orders(AssertableApplicationContext context) {
        return context.getBean("orders", MultiPool.class);
    }

    private static HealthView health(AssertableApplicationContext context, String pool) {
        return BootGeneration.health(context, pool);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> discovery(HealthView health) {
        Object discovery = health.details().get("discovery");
        assertThat(discovery).as("discovery details in " + health.details()).isInstanceOf(Map.class);
        return (Map<String, Object>) discovery;
    }
}
