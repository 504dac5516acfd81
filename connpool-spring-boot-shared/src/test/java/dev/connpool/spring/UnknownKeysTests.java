package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A key no setting has fails start-up naming it and, when one is close, the key that was meant. */
class UnknownKeysTests {

    private static final String SERVERS = "connpool.pools.backend.servers=127.0.0.1:9001";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class));

    @Test
    void runWithAMisspeltKeyUnderAPoolShouldFailSuggestingTheKeyMeant() {
        runner.withPropertyValues(SERVERS, "connpool.pools.backend.max-activ=3").run(context -> {
            assertThat(context).hasFailed();
            ConnpoolConfigurationException failure = refusal(context.getStartupFailure());
            assertThat(failure.property()).isEqualTo("connpool.pools.backend.max-activ");
            assertThat(failure.value()).isEqualTo("3");
            assertThat(failure.reason()).startsWith("pool 'backend' has no key 'max-activ' (did you mean 'max-active'?)");
            assertThat(failure.action()).isEqualTo(
                    "Rename connpool.pools.backend.max-activ to connpool.pools.backend.max-active.");
            assertThat(failure).hasRootCauseInstanceOf(UnboundConfigurationPropertiesException.class);

            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: connpool.pools.backend.max-activ",
                    "Value: \"3\"", "did you mean 'max-active'?");
        });
    }

    @Test
    void runWithAMisspeltNestedKeyShouldSuggestTheNestedKey() {
        runner.withPropertyValues(SERVERS, "connpool.pools.backend.retry.backof.min=5ms").run(context -> {
            ConnpoolConfigurationException failure = refusal(context.getStartupFailure());
            assertThat(failure.property()).isEqualTo("connpool.pools.backend.retry.backof.min");
            assertThat(failure.reason()).contains("did you mean 'retry.backoff.min'?");
        });
    }

    @Test
    void runWithAKeyMissingItsGroupShouldSuggestTheKeyInItsGroup() {
        runner.withPropertyValues(SERVERS, "connpool.pools.backend.consecutive-failures=2").run(context ->
                assertThat(refusal(context.getStartupFailure()).reason())
                        .contains("did you mean 'ejection.consecutive-failures'?"));
    }

    @Test
    void runWithAMisspeltKeyUnderTheDefaultsShouldSuggestTheKeyMeant() {
        runner.withPropertyValues(SERVERS, "connpool.defaults.idle-timout=1m").run(context -> {
            ConnpoolConfigurationException failure = refusal(context.getStartupFailure());
            assertThat(failure.property()).isEqualTo("connpool.defaults.idle-timout");
            assertThat(failure.reason()).startsWith("connpool.defaults has no key 'idle-timout' (did you mean 'idle-timeout'?)");
            assertThat(failure.action()).isEqualTo("Rename connpool.defaults.idle-timout to connpool.defaults.idle-timeout.");
        });
    }

    @Test
    void runWithAKeyFarFromEveryKeyShouldListTheKeysInsteadOfGuessing() {
        runner.withPropertyValues(SERVERS, "connpool.pools.backend.colour=blue").run(context -> {
            ConnpoolConfigurationException failure = refusal(context.getStartupFailure());
            assertThat(failure.reason()).startsWith("pool 'backend' has no key 'colour', set in ")
                    .doesNotContain("did you mean");
            assertThat(failure.action()).startsWith("Remove connpool.pools.backend.colour, or use one of the keys "
                    + "pool 'backend' takes: ").contains("max-active", "retry.backoff.min",
                    "discovery.zookeeper.connect-string", "primary");
        });
    }

    @Test
    void runWithSeveralUnknownKeysShouldNameEachOfThem() {
        runner.withPropertyValues(SERVERS, "connpool.pools.backend.max-activ=3", "connpool.pools.other.servers=h:1",
                "connpool.pools.other.min-idel=1").run(context -> {
                    ConnpoolConfigurationException failure = refusal(context.getStartupFailure());
                    assertThat(failure.property()).isEqualTo("connpool.pools.backend.max-activ");
                    assertThat(failure.reason()).contains("did you mean 'max-active'?",
                            "connpool.pools.other.min-idel: pool 'other' has no key 'min-idel' (did you mean 'min-idle'?)");
                });
    }

    @Test
    void runWithOnlyKnownKeysShouldStart() {
        runner.withPropertyValues(SERVERS, "connpool.pools.backend.max-active=3",
                "connpool.pools.backend.servers[1]=127.0.0.1:9002", "connpool.defaults.retry.backoff.min=5ms",
                "connpool.pools.backend.socket.connect-timeout=1s", "connpool.pools.backend.primary=true")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void theKeysAreEverySettingOfAPoolAsYamlSpellsThem() {
        List<String> keys = UnknownKeys.keys(PoolProperties.class);
        assertThat(keys).contains("servers", "factory", "primary", "max-active", "balancer", "leak-detection-threshold",
                "retry.attempts", "retry.backoff.jitter", "retry.budget.window", "ejection.max-percent",
                "health-check.interval", "affinity.load-bound", "hedge.executor", "least-latency.decay",
                "slow-start.window", "socket.ssl-bundle", "socket.probe.request", "discovery.zookeeper.format", "discovery.zookeeper.removal-delay",
                "discovery.dns.name", "discovery.dns.refresh-interval", "discovery.spring-cloud.service-id");
        assertThat(keys).doesNotContain("retry", "discovery", "discovery.zookeeper", "discovery.spring-cloud", "class");
        assertThat(UnknownKeys.closest("discovery.dns.nmae", keys)).isEqualTo("discovery.dns.name");
        assertThat(UnknownKeys.closest("service-id", keys)).isEqualTo("discovery.spring-cloud.service-id");
        assertThat(UnknownKeys.keys(PoolDefaultsProperties.class)).contains("max-active").doesNotContain("primary",
                "discovery.zookeeper.path");
    }

    @Test
    void closestShouldBeTheKeyFewestEditsAwayWithinAThirdOfItsLength() {
        List<String> known = List.of("max-active", "max-idle", "min-idle", "max-wait", "retry.backoff.min");
        assertThat(UnknownKeys.closest("max-activ", known)).isEqualTo("max-active");
        assertThat(UnknownKeys.closest("MAX-ACTIVE", known)).isEqualTo("max-active");
        assertThat(UnknownKeys.closest("max-idel", known)).isEqualTo("max-idle");
        assertThat(UnknownKeys.closest("backoff.min", known)).isEqualTo("retry.backoff.min");
        assertThat(UnknownKeys.closest("timeout", known)).isNull();
        assertThat(UnknownKeys.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(UnknownKeys.distance("", "abc")).isEqualTo(3);
        assertThat(UnknownKeys.distance("same", "same")).isZero();
        assertThat(UnknownKeys.dashed("leakDetectionThreshold")).isEqualTo("leak-detection-threshold");
    }

    private static ConnpoolConfigurationException refusal(Throwable failure) {
        Throwable t = failure;
        while (t != null && !(t instanceof ConnpoolConfigurationException)) {
            t = t.getCause();
        }
        assertThat(t).as("a ConnpoolConfigurationException in %s", failure).isNotNull();
        return (ConnpoolConfigurationException) t;
    }

    private static FailureAnalysis analyze(Throwable failure) {
        return new ConnpoolConfigurationFailureAnalyzer().analyze(failure);
    }
}
