package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connpool.Balancer;
import dev.connpool.ConnectionFactory;
import dev.connpool.MultiPool;
import dev.connpool.PoolClosedException;
import dev.connpool.PoolListener;
import dev.connpool.PoolSettings;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.Lines;
import dev.connpool.TestCertificates;
import dev.connpool.TestServer;
import dev.connpool.TlsTestServer;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class ConnpoolAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class));

    private static final String ORDERS = "connpool.pools.orders.servers=127.0.0.1:9001,127.0.0.1:9002";

    @Test
    void runWhenAPoolIsConfiguredShouldRegisterAMultiPoolBeanNamedAfterIt() {
        runner.withPropertyValues(ORDERS).run(context -> {
            assertThat(context).hasSingleBean(MultiPool.class).hasBean("orders");
            MultiPool<?> orders = context.getBean("orders", MultiPool.class);
            assertThat(orders.name()).isEqualTo("orders");
            assertThat(orders.servers()).containsExactlyInAnyOrder(ServerAddress.parse("127.0.0.1:9001"),
                    ServerAddress.parse("127.0.0.1:9002"));
            assertThat(context.getBean(MultiPoolRegistry.class).names()).containsExactly("orders");
        });
    }

    @Test
    void runWhenOnePoolIsConfiguredShouldInjectItByItsGenericTypeWithoutQualifier() {
        runner.withPropertyValues(ORDERS).withUserConfiguration(SocketUser.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(SocketUser.class).pool).isSameAs(context.getBean("orders"));
        });
    }

    @Test
    void runWhenSeveralPoolsAreConfiguredShouldInjectEachByQualifier() {
        runner.withPropertyValues(ORDERS, "connpool.pools.users.servers=127.0.0.1:9003")
                .withUserConfiguration(QualifiedUser.class).run(context -> {
                    QualifiedUser user = context.getBean(QualifiedUser.class);
                    assertThat(user.orders.name()).isEqualTo("orders");
                    assertThat(user.users.name()).isEqualTo("users");
                    assertThat(context.getBean(MultiPoolRegistry.class).names()).containsExactlyInAnyOrder("orders", "users");
                });
    }

    @Test
    void runWithoutSettingsShouldUseConnpoolDefaults() {
        runner.withPropertyValues(ORDERS).run(context -> {
            PoolSettings s = context.getBean("orders", MultiPool.class).settings();
            assertThat(s.limits().maxActive()).isEqualTo(8);
            assertThat(s.limits().maxIdle()).isEqualTo(8);
            assertThat(s.limits().maxWait()).isEqualTo(Duration.ofSeconds(1));
            assertThat(s.lifetime().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
            assertThat(s.retry().attempts()).isEqualTo(3);
            assertThat(s.balancer().name()).isEqualTo("least-latency");
            assertThat(s.ejection().maxPercent()).isEqualTo(50);
            assertThat(s.healthCheck().interval()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void runWithAHealthCheckIntervalShouldHandItToThePoolFromTheDefaultsOrThePool() {
        runner.withPropertyValues(ORDERS, "connpool.pools.users.servers=127.0.0.1:9003",
                "connpool.pools.batch.servers=127.0.0.1:9004", "connpool.defaults.health-check.interval=5s",
                "connpool.pools.users.health-check.interval=0s", "connpool.pools.batch.healthCheck.interval=1m")
                .run(context -> {
                    assertThat(context.getBean("orders", MultiPool.class).settings().healthCheck().interval())
                            .isEqualTo(Duration.ofSeconds(5));
                    assertThat(context.getBean("users", MultiPool.class).settings().healthCheck().enabled()).isFalse();
                    assertThat(context.getBean("batch", MultiPool.class).settings().healthCheck().interval())
                            .isEqualTo(Duration.ofMinutes(1));
                });
    }

    @Test
    void runWithLatencyAndSlowStartSettingsShouldHandThemToThePool() {
        runner.withPropertyValues(ORDERS, "connpool.defaults.slow-start.window=30s",
                "connpool.pools.orders.balancer=least-latency", "connpool.pools.orders.least-latency.decay=5s")
                .run(context -> {
                    MultiPool<?> orders = context.getBean("orders", MultiPool.class);
                    assertThat(orders.settings().balancer().name()).isEqualTo("least-latency");
                    assertThat(orders.settings().leastLatency().decay()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(orders.settings().slowStart().window()).isEqualTo(Duration.ofSeconds(30));
                });
    }

    @Test
    void runWithAProbeRequestButNoReplyShouldFailNamingTheMissingProperty() {
        runner.withPropertyValues(ORDERS, "connpool.pools.orders.socket.probe.request=PING").run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            while (failure != null && !(failure instanceof ConnpoolConfigurationException)) {
                failure = failure.getCause();
            }
            assertThat(failure).isInstanceOfSatisfying(ConnpoolConfigurationException.class,
                    e -> assertThat(e.property()).isEqualTo("connpool.pools.orders.socket.probe.reply"));
        });
    }

    @Test
    void runWithAProbeReplyOfTwoLinesShouldFailNamingIt() {
        runner.withPropertyValues(ORDERS, "connpool.defaults.socket.probe.request=PING",
                "connpool.defaults.socket.probe.reply=PO\nNG").run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            while (failure != null && !(failure instanceof ConnpoolConfigurationException)) {
                failure = failure.getCause();
            }
            assertThat(failure).isInstanceOfSatisfying(ConnpoolConfigurationException.class,
                    e -> assertThat(e.property()).isEqualTo("connpool.defaults.socket.probe.reply"));
        });
    }

    @Test
    void runWithABadHealthCheckIntervalShouldFailNamingTheProperty() {
        runner.withPropertyValues(ORDERS, "connpool.pools.orders.health-check.interval=5ms").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(dev.connpool.InvalidSettingException.class);
            Throwable failure = context.getStartupFailure();
            while (failure != null && !(failure instanceof ConnpoolConfigurationException)) {
                failure = failure.getCause();
            }
            assertThat(failure).isInstanceOfSatisfying(ConnpoolConfigurationException.class,
                    e -> assertThat(e.property()).isEqualTo("connpool.pools.orders.health-check.interval"));
        });
    }

    @Test
    void runWithDefaultsAndOverridesShouldGiveEachPoolItsOwnAndTheSharedOnes() {
        runner.withPropertyValues(ORDERS, "connpool.pools.users.servers=127.0.0.1:9003",
                "connpool.defaults.max-active=16", "connpool.defaults.max-wait=250ms",
                "connpool.defaults.retry.backoff.factor=1.5", "connpool.defaults.balancer=round-robin",
                "connpool.pools.orders.max-active=4", "connpool.pools.orders.ejection.max-time=1m",
                "connpool.pools.orders.retry.backoff.min=5ms", "connpool.pools.orders.balancer=random",
                "connpool.pools.users.idle-timeout=30s", "connpool.pools.users.validate-while-idle=false")
                .run(context -> {
                    PoolSettings orders = context.getBean("orders", MultiPool.class).settings();
                    PoolSettings users = context.getBean("users", MultiPool.class).settings();
                    assertThat(orders.limits().maxActive()).isEqualTo(4);
                    assertThat(users.limits().maxActive()).isEqualTo(16);
                    assertThat(orders.limits().maxWait()).isEqualTo(Duration.ofMillis(250));
                    assertThat(users.limits().maxWait()).isEqualTo(Duration.ofMillis(250));
                    assertThat(orders.ejection().maxTime()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(users.ejection().maxTime()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(orders.retry().backoff().min()).isEqualTo(Duration.ofMillis(5));
                    assertThat(orders.retry().backoff().factor()).isEqualTo(1.5);
                    assertThat(users.retry().backoff().min()).isEqualTo(Duration.ofMillis(10));
                    assertThat(orders.balancer().name()).isEqualTo("random");
                    assertThat(users.balancer().name()).isEqualTo("round-robin");
                    assertThat(users.lifetime().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(users.validation().whileIdle()).isFalse();
                    assertThat(orders.validation().whileIdle()).isTrue();
                });
    }

    @Test
    void runWithRelaxedNamesShouldBindThemToo() {
        runner.withPropertyValues("connpool.pools.orders.servers[0]=127.0.0.1:9001",
                "connpool.pools.orders.maxActive=3", "connpool.pools.orders.retry.backoff.jitter=0.5",
                "connpool.pools.orders.balancer=LEAST_ACTIVE").run(context -> {
                    PoolSettings s = context.getBean("orders", MultiPool.class).settings();
                    assertThat(s.limits().maxActive()).isEqualTo(3);
                    assertThat(s.retry().backoff().jitter()).isEqualTo(0.5);
                    assertThat(s.balancer().name()).isEqualTo("least-active");
                });
    }

    @Test
    void runWhenDisabledShouldCreateNothing() {
        runner.withPropertyValues(ORDERS, "connpool.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(MultiPool.class);
            assertThat(context).doesNotHaveBean(MultiPoolRegistry.class);
        });
    }

    @Test
    void runWithoutPoolsShouldGiveAnEmptyRegistry() {
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(MultiPool.class);
            assertThat(context.getBean(MultiPoolRegistry.class).names()).isEmpty();
            assertThatThrownBy(() -> context.getBean(MultiPoolRegistry.class).get("orders"))
                    .isInstanceOf(NoSuchElementException.class).hasMessageContaining("orders");
        });
    }

    @Test
    void runWithAFactoryBeanShouldUseItAndTypeThePoolByWhatItYields() {
        runner.withPropertyValues("connpool.pools.words.servers=127.0.0.1:9001", "connpool.pools.words.factory=wordFactory")
                .withUserConfiguration(WordFactoryConfig.class, WordUser.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    MultiPool<String> words = context.getBean(WordUser.class).pool;
                    try (var lease = words.borrow()) {
                        assertThat(lease.connection()).isEqualTo("word-for-127.0.0.1:9001");
                    }
                });
    }

    @Test
    void runWithACustomizerShouldApplyItToEveryPool() {
        List<String> seen = new CopyOnWriteArrayList<>();
        runner.withPropertyValues(ORDERS, "connpool.pools.users.servers=127.0.0.1:9003")
                .withBean(MultiPoolBuilderCustomizer.class, () -> (name, builder) -> {
                    seen.add(name);
                    builder.balancer(Balancer.roundRobin()).listener(new PoolListener() { });
                })
                .run(context -> {
                    assertThat(seen).containsExactlyInAnyOrder("orders", "users");
                    assertThat(context.getBean("users", MultiPool.class).settings().balancer().name()).isEqualTo("round-robin");
                });
    }

    @Test
    void runWithAUserRegistryShouldKeepIt() {
        MultiPoolRegistry mine = new MultiPoolRegistry(List.of());
        runner.withPropertyValues(ORDERS).withBean(MultiPoolRegistry.class, () -> mine)
                .run(context -> assertThat(context.getBean(MultiPoolRegistry.class)).isSameAs(mine));
    }

    @Test
    void closingTheContextShouldCloseThePools() {
        MultiPool<?>[] pool = new MultiPool<?>[1];
        runner.withPropertyValues(ORDERS).run(context -> pool[0] = context.getBean("orders", MultiPool.class));
        assertThatThrownBy(pool[0]::borrow).isInstanceOf(PoolClosedException.class);
    }

    @Test
    void runWithAnSslBundleShouldSpeakTlsToTheServers(@TempDir Path dir) throws Exception {
        KeyStore server = TestCertificates.keystore(dir, "server", "CN=localhost", "ip:127.0.0.1,dns:localhost");
        Path trust = TestCertificates.truststore(dir, "trust", server);
        try (TlsTestServer tls = new TlsTestServer(server)) {
            runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                    .withPropertyValues("connpool.pools.secure.servers=" + tls.address(),
                            "connpool.pools.secure.socket.ssl-bundle=secure",
                            "spring.ssl.bundle.jks.secure.truststore.location=file:" + trust,
                            "spring.ssl.bundle.jks.secure.truststore.password=" + TestCertificates.PASSWORD,
                            "spring.ssl.bundle.jks.secure.truststore.type=PKCS12")
                    .run(context -> {
                        @SuppressWarnings("unchecked")
                        MultiPool<SocketConnection> pool = context.getBean("secure", MultiPool.class);
                        try (var lease = pool.borrow()) {
                            assertThat(lease.connection().socket()).isInstanceOf(SSLSocket.class);
                            assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
                        }
                        assertThat(tls.handshakes()).isEqualTo(1);
                    });
        }
    }

    @Test
    void runWithEverySettingShouldHandEachToThePool() throws Exception {
        try (TestServer server = TestServer.start()) {
            String p = "connpool.pools.full.";
            runner.withPropertyValues(p + "servers=" + server.address(), p + "max-active=6", p + "max-idle=5",
                    p + "min-idle=1", p + "max-total=40", p + "max-wait=750ms", p + "idle-timeout=2m",
                    p + "max-lifetime=30m", p + "validate-on-borrow=false", p + "validate-while-idle=false",
                    p + "balancer=round-robin", p + "shutdown-timeout=3s", p + "retry.attempts=5",
                    p + "retry.backoff.min=20ms", p + "retry.backoff.max=2s", p + "retry.backoff.factor=3.0",
                    p + "retry.backoff.jitter=0.1", p + "ejection.consecutive-failures=7",
                    p + "ejection.base-time=2s", p + "ejection.max-time=1m", p + "ejection.max-percent=30",
                    p + "socket.connect-timeout=700ms", p + "socket.read-timeout=4s", p + "socket.tcp-no-delay=false",
                    p + "socket.keep-alive=false").run(context -> {
                        @SuppressWarnings("unchecked")
                        MultiPool<SocketConnection> pool = context.getBean("full", MultiPool.class);
                        PoolSettings s = pool.settings();
                        assertThat(s.servers()).containsExactly(server.address());
                        assertThat(List.of(s.limits().maxActive(), s.limits().maxIdle(), s.limits().minIdle(), s.limits().maxTotal(), s.retry().attempts(),
                                s.ejection().consecutiveFailures(), s.ejection().maxPercent())).containsExactly(6, 5, 1, 40, 5, 7, 30);
                        assertThat(List.of(s.limits().maxWait(), s.lifetime().idleTimeout(), s.lifetime().maxLifetime(), s.shutdown().timeout(),
                                s.retry().backoff().min(), s.retry().backoff().max(), s.ejection().baseTime(), s.ejection().maxTime()))
                                .containsExactly(Duration.ofMillis(750), Duration.ofMinutes(2), Duration.ofMinutes(30),
                                        Duration.ofSeconds(3), Duration.ofMillis(20), Duration.ofSeconds(2),
                                        Duration.ofSeconds(2), Duration.ofMinutes(1));
                        assertThat(s.retry().backoff().factor()).isEqualTo(3.0);
                        assertThat(s.retry().backoff().jitter()).isEqualTo(0.1);
                        assertThat(s.validation().onBorrow()).isFalse();
                        assertThat(s.validation().whileIdle()).isFalse();
                        assertThat(s.balancer().name()).isEqualTo("round-robin");
                        try (var lease = pool.borrowNew(server.address())) {
                            java.net.Socket socket = lease.connection().socket();
                            assertThat(socket.getSoTimeout()).isEqualTo(4000);
                            assertThat(socket.getTcpNoDelay()).isFalse();
                            assertThat(socket.getKeepAlive()).isFalse();
                        }
                    });
        }
    }

    @Test
    void closingTheContextShouldCloseThePoolsAfterTheBeansThatUseThem() throws Exception {
        try (TestServer server = TestServer.start()) {
            List<String> lastWords = new CopyOnWriteArrayList<>();
            runner.withPropertyValues("connpool.pools.orders.servers=" + server.address())
                    .withBean(GoodbyeSayer.class, lastWords)
                    .run(context -> assertThat(context).hasNotFailed());
            assertThat(lastWords).as("the pool was still open when its user shut down").containsExactly("goodbye");
        }
    }

    /** Uses the pool while it is being destroyed, as a client sending QUIT would. */
    static class GoodbyeSayer implements org.springframework.beans.factory.DisposableBean {
        private final List<String> lastWords;
        @Autowired
        MultiPool<SocketConnection> pool;

        GoodbyeSayer(List<String> lastWords) {
            this.lastWords = lastWords;
        }

        @Override
        public void destroy() {
            lastWords.add(pool.execute(c -> Lines.roundTrip(c, "goodbye")));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SocketUser {
        @Autowired
        MultiPool<SocketConnection> pool;
    }

    @Configuration(proxyBeanMethods = false)
    static class QualifiedUser {
        @Autowired
        @Qualifier("orders")
        MultiPool<SocketConnection> orders;

        @Autowired
        @Qualifier("users")
        MultiPool<SocketConnection> users;
    }

    @Configuration(proxyBeanMethods = false)
    static class WordFactoryConfig {
        @Bean
        ConnectionFactory<String> wordFactory() {
            return new ConnectionFactory<>() {
                @Override
                public String create(ServerAddress server) {
                    return "word-for-" + server;
                }

                @Override
                public void destroy(ServerAddress server, String connection) {
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WordUser {
        @Autowired
        MultiPool<String> pool;
    }
}
