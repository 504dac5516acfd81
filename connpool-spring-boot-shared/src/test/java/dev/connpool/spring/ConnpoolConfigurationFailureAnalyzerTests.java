package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** Bad configuration fails start-up with a description naming the property and value, and an action. */
class ConnpoolConfigurationFailureAnalyzerTests {

    private static final String SERVERS = "connpool.pools.orders.servers=db-0:9090,db-1:9090";
    private static final String ZK = "connpool.pools.orders.discovery.zookeeper.";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class))
            .withUserConfiguration(Beans.class);

    static Stream<Arguments> badConfigurations() {
        return Stream.of(
                bad("a bad address", "connpool.pools.orders.servers[1]", "db-1:notaport", "not a number",
                        "connpool.pools.orders.servers=db-0:9090,db-1:notaport"),
                bad("a port out of range", "connpool.pools.orders.servers[0]", "db-0:70000", "outside 1..65535",
                        "connpool.pools.orders.servers=db-0:70000"),
                bad("a negative duration", "connpool.pools.orders.max-wait", "PT-1S", "must not be negative",
                        SERVERS, "connpool.pools.orders.max-wait=-1s"),
                bad("a zero ejection time", "connpool.pools.orders.ejection.base-time", "PT0S", "must be positive",
                        SERVERS, "connpool.pools.orders.ejection.base-time=0s"),
                bad("max-idle above max-active", "connpool.pools.orders.max-idle", "9", "must not exceed max-active",
                        SERVERS, "connpool.pools.orders.max-active=8", "connpool.pools.orders.max-idle=9"),
                bad("a bad shared default", "connpool.defaults.retry.backoff.jitter", "1.5", "between 0.0 and 1.0",
                        SERVERS, "connpool.defaults.retry.backoff.jitter=1.5"),
                bad("an unknown balancer", "connpool.pools.orders.balancer", "fastest", "unknown balancer",
                        SERVERS, "connpool.pools.orders.balancer=fastest"),
                bad("an unknown affinity algorithm", "connpool.pools.orders.affinity.algorithm", "maglev",
                        "unknown affinity algorithm", SERVERS, "connpool.pools.orders.affinity.algorithm=maglev"),
                bad("a load bound below 1", "connpool.defaults.affinity.load-bound", "0.5", "at least 1.0",
                        SERVERS, "connpool.defaults.affinity.load-bound=0.5"),
                bad("a missing factory bean", "connpool.pools.orders.factory", "nope", "no bean named 'nope'",
                        SERVERS, "connpool.pools.orders.factory=nope"),
                bad("a factory bean of the wrong type", "connpool.pools.orders.factory", "notAFactory",
                        "not a dev.connpool.ConnectionFactory", SERVERS, "connpool.pools.orders.factory=notAFactory"),
                bad("a pool without servers", "connpool.pools.orders.servers", null, "has no servers",
                        "connpool.pools.orders.max-active=4"),
                bad("a zero connect timeout", "connpool.pools.orders.socket.connect-timeout", "PT0S", "must be positive",
                        SERVERS, "connpool.pools.orders.socket.connect-timeout=0ms"),
                bad("a missing SSL bundle", "connpool.pools.orders.socket.ssl-bundle", "nope", "SSL bundle",
                        SERVERS, "connpool.pools.orders.socket.ssl-bundle=nope"),
                bad("discovery without a path", ZK + "path", null, "no path to watch", ZK + "format=children"),
                bad("a relative discovery path", ZK + "path", "services/orders", "must start with '/'",
                        ZK + "path=services/orders"),
                bad("a discovery path ending in /", ZK + "path", "/services/orders/", "must not end with '/'",
                        ZK + "path=/services/orders/"),
                bad("a discovery path with an empty node", ZK + "path", "/services//orders", "empty node name",
                        ZK + "path=/services//orders"),
                bad("a discovery path with '..'", ZK + "path", "/services/../orders", "relative node name",
                        ZK + "path=/services/../orders"),
                bad("an unknown discovery format", ZK + "format", "etcd", "unknown discovery format",
                        ZK + "path=/services/orders", ZK + "format=etcd"),
                bad("the curator format without a service", ZK + "service", null, "needs the name of the service",
                        ZK + "path=/services", ZK + "format=curator"),
                bad("a service with the children format", ZK + "service", "orders", "curator format only",
                        ZK + "path=/services/orders", ZK + "service=orders"),
                bad("a service that is a path", ZK + "service", "a/b", "one ZooKeeper node name",
                        ZK + "path=/services", ZK + "format=curator", ZK + "service=a/b"),
                bad("a negative removal delay", ZK + "removal-delay", "PT-1S", "must be zero (drain at once) or positive",
                        ZK + "path=/services/orders", ZK + "removal-delay=-1s"),
                bad("a path whose text names another setting", ZK + "path", "/services/'service'/", "must not end with '/'",
                        ZK + "path=/services/'service'/", ZK + "format=curator", ZK + "service=orders"),
                bad("a service that is '..'", ZK + "service", "..", "one ZooKeeper node name",
                        ZK + "path=/services", ZK + "format=curator", ZK + "service=.."),
                bad("a zero session timeout", ZK + "session-timeout", "PT0S", "must be positive",
                        ZK + "path=/services/orders", ZK + "connect-string=127.0.0.1:2181", ZK + "session-timeout=0s"),
                bad("a negative connection timeout", ZK + "connection-timeout", "PT-1S", "must be positive",
                        ZK + "path=/services/orders", ZK + "connect-string=127.0.0.1:2181",
                        ZK + "connection-timeout=-1s"),
                bad("a session timeout without connect-string", ZK + "session-timeout", "PT30S",
                        "the application's CuratorFramework bean", ZK + "path=/services/orders",
                        ZK + "session-timeout=30s"),
                bad("discovery without connect-string nor CuratorFramework bean", ZK + "connect-string", null,
                        "no CuratorFramework bean", ZK + "path=/services/orders"),
                bad("discovery in the shared defaults", "connpool.defaults.discovery.zookeeper.path", "/services/all",
                        "configured per pool", SERVERS, "connpool.defaults.discovery.zookeeper.path=/services/all"));
    }

    private static Arguments bad(String what, String property, String value, String reason, String... properties) {
        return Arguments.of(what, property, value, reason, properties);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigurations")
    void runWithBadConfigurationShouldFailNamingPropertyValueAndAction(String what, String property, String value,
                                                                        String reason, String[] properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis).as("a FailureAnalyzer reports it").isNotNull();
            assertThat(analysis.getDescription()).contains("Property: " + property)
                    .contains(value == null ? "(not set)" : "\"" + value + "\"").contains(reason);
            assertThat(analysis.getAction()).isNotBlank().contains(property.replaceAll("\\[\\d+]$", ""));
        });
    }

    @Test
    void runWithAnUnknownKeyUnderAPoolShouldFailInsteadOfIgnoringIt() {
        runner.withPropertyValues(SERVERS, "connpool.pools.orders.max-activ=4").run(context -> {
            assertThat(context).hasFailed();
            // reported as a ConnpoolConfigurationException with the key meant (UnknownKeysTests), Spring Boot's
            // own report of the unbound key as its cause
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(
                    org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException.class);
            assertThat(context.getStartupFailure().getCause()).hasStackTraceContaining("connpool.pools.orders.max-activ");
        });
    }

    @Test
    void runWithABadAddressShouldReportItAsTheSpringBootPageShows() {
        runner.withPropertyValues("connpool.pools.orders.servers=db-0:9090,db-1:notaport").run(context -> {
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).isEqualTo("""
                    Invalid connpool configuration:

                        Property: connpool.pools.orders.servers[1]
                        Value: "db-1:notaport"
                        Reason: invalid server address "db-1:notaport": port "notaport" is not a number; \
                    expected "host:port" or "[ipv6]:port\"""");
            assertThat(analysis.getAction()).isEqualTo("Write connpool.pools.orders.servers[1] as host:port "
                    + "(or [ipv6]:port), with a port from 1 to 65535.");
        });
    }

    @Test
    void aSettingCoreRefusesShouldBeReportedFromTheExceptionsFieldsAtThePropertyWhereItWasSet() {
        runner.withPropertyValues(SERVERS, "connpool.defaults.max-active=8", "connpool.pools.orders.max-idle=9")
                .run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).isEqualTo("""
                            Invalid connpool configuration:

                                Property: connpool.pools.orders.max-idle
                                Value: "9"
                                Reason: must not exceed max-active (8)""");
                    assertThat(analysis.getAction()).isEqualTo(
                            "Update connpool.pools.orders.max-idle in your configuration (it must not exceed max-active (8)).");
                });
        runner.withPropertyValues(SERVERS, "connpool.defaults.ejection.max-percent=101").run(context -> {
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: connpool.defaults.ejection.max-percent")
                    .contains("Reason: must be between 0 and 100");
        });
    }

    @Test
    void runWithSslBundlesButNotTheNamedOneShouldNameTheBundle() {
        runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .withPropertyValues(SERVERS, "connpool.pools.orders.socket.ssl-bundle=nope").run(context -> {
                    FailureAnalysis analysis = analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("Property: connpool.pools.orders.socket.ssl-bundle")
                            .contains("no SSL bundle named 'nope'");
                    assertThat(analysis.getAction()).contains("spring.ssl.bundle.pem.nope");
                });
    }

    @Test
    @SuppressWarnings("deprecation") // loadFactoryNames: the names alone, without instantiating Boot's analyzers
    void theAnalyzerIsRegisteredForSpringBootToFind() {
        assertThat(SpringFactoriesLoader.loadFactoryNames(FailureAnalyzer.class, getClass().getClassLoader()))
                .contains(ConnpoolConfigurationFailureAnalyzer.class.getName());
    }

    private static FailureAnalysis analyze(Throwable failure) {
        return new ConnpoolConfigurationFailureAnalyzer().analyze(failure);
    }

    @Configuration(proxyBeanMethods = false)
    static class Beans {
        @Bean
        String notAFactory() {
            return "not a factory";
        }
    }
}
