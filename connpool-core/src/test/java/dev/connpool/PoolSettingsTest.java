package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings as the builder makes them: grouped as the YAML keys are, and listed once in toMap(). */
class PoolSettingsTest {

    private static final ConnectionFactory<Object> FACTORY = new ConnectionFactory<>() {
        @Override
        public Object create(ServerAddress server) {
            return new Object();
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
        }
    };

    @Test
    void everyBuilderValueLandsInItsGroup() {
        PoolSettings s = MultiPool.builder(FACTORY).name("orders").servers(List.of(ServerAddress.of("a", 1)))
                .maxActive(6).maxIdle(5).minIdle(2).maxTotal(40).maxWait(Duration.ofMillis(700))
                .idleTimeout(Duration.ofMinutes(2)).maxLifetime(Duration.ofHours(1))
                .validateOnBorrow(false).validateWhileIdle(false).balancer(Balancer.roundRobin()).retryAttempts(4)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(500), 1.5, 0.1)
                .ejection(4, Duration.ofSeconds(2), Duration.ofSeconds(20), 30)
                .shutdownTimeout(Duration.ofSeconds(3)).leakDetectionThreshold(Duration.ofSeconds(9))
                .healthCheckInterval(Duration.ofSeconds(7))
                .retryBudgetRatio(0.5).retryBudgetMinPerSecond(3).retryBudgetWindow(Duration.ofSeconds(20))
                .hedgeDelay(HedgeDelay.percentile(99.9)).hedgeExecutor(Runnable::run).settings();
        assertThat(s.name()).isEqualTo("orders");
        assertThat(s.servers()).containsExactly(ServerAddress.of("a", 1));
        assertThat(s.limits().maxActive()).isEqualTo(6);
        assertThat(s.limits().maxIdle()).isEqualTo(5);
        assertThat(s.limits().minIdle()).isEqualTo(2);
        assertThat(s.limits().maxTotal()).isEqualTo(40);
        assertThat(s.limits().maxWait()).isEqualTo(Duration.ofMillis(700));
        assertThat(s.lifetime().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.lifetime().maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(s.validation().onBorrow()).isFalse();
        assertThat(s.validation().whileIdle()).isFalse();
        assertThat(s.balancer().name()).isEqualTo("round-robin");
        assertThat(s.retry().attempts()).isEqualTo(4);
        assertThat(s.retry().backoff().min()).isEqualTo(Duration.ofMillis(5));
        assertThat(s.retry().backoff().max()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.retry().backoff().factor()).isEqualTo(1.5);
        assertThat(s.retry().backoff().jitter()).isEqualTo(0.1);
        assertThat(s.ejection().consecutiveFailures()).isEqualTo(4);
        assertThat(s.ejection().baseTime()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.ejection().maxTime()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.ejection().maxPercent()).isEqualTo(30);
        assertThat(s.shutdown().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.leakDetection().threshold()).isEqualTo(Duration.ofSeconds(9));
        assertThat(s.leakDetection().enabled()).isTrue();
        assertThat(s.healthCheck().interval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(s.healthCheck().enabled()).isTrue();
        assertThat(s.retry().budget().ratio()).isEqualTo(0.5);
        assertThat(s.retry().budget().minPerSecond()).isEqualTo(3);
        assertThat(s.retry().budget().window()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.hedge().delay()).isEqualTo(HedgeDelay.percentile(99.9));
        assertThat(s.hedge().enabled()).isTrue();
        assertThat(s.toMap().get("hedge")).isEqualTo(Map.of("delay", "p99.9"));
    }

    @Test
    void toMapListsEverySettingOnceKeyedAndNestedAsInYaml() {
        Map<String, Object> map = MultiPool.builder(FACTORY).name("d").settings().toMap();
        assertThat(map).containsOnlyKeys("servers", "max-active", "max-idle", "min-idle", "max-total", "max-wait",
                "idle-timeout", "max-lifetime", "validate-on-borrow", "validate-while-idle", "balancer", "retry",
                "ejection", "shutdown-timeout", "leak-detection-threshold", "health-check", "affinity", "least-latency",
                "slow-start", "hedge");
        assertThat(map.get("hedge")).isEqualTo(Map.of("delay", "off"));
        assertThat(map.get("health-check")).isEqualTo(Map.of("interval", Duration.ofSeconds(10)));
        assertThat(map.get("least-latency")).isEqualTo(Map.of("decay", Duration.ofSeconds(2)));
        assertThat(map.get("slow-start")).isEqualTo(Map.of("window", Duration.ofSeconds(10)));
        assertThat(map.get("affinity")).isEqualTo(Map.of("algorithm", "rendezvous", "return-delay",
                Duration.ofSeconds(30), "load-bound", 0.0));
        assertThat(map.get("retry")).isEqualTo(Map.of("attempts", 3, "backoff",
                Map.of("min", Duration.ofMillis(10), "max", Duration.ofSeconds(1), "factor", 2.0, "jitter", 0.2),
                "budget", Map.of("ratio", 0.2, "min-per-second", 10, "window", Duration.ofSeconds(10))));
        assertThat(map.get("ejection")).isEqualTo(Map.of("consecutive-failures", 3, "base-time", Duration.ofSeconds(1),
                "max-time", Duration.ofSeconds(30), "max-percent", 50));
        assertThat(map).containsEntry("balancer", "least-latency").containsEntry("max-idle", 8)
                .containsEntry("servers", List.of());
    }

    @Test
    void settingsAreValuesEqualWhenBuiltAlike() {
        PoolSettings a = MultiPool.builder(FACTORY).name("same").balancer(Balancer.random()).settings();
        PoolSettings b = MultiPool.builder(FACTORY).name("same").balancer(Balancer.random()).settings();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).contains("maxActive=8").contains("balancer=random");
        assertThat(MultiPool.builder(FACTORY).name("same").maxActive(7).settings()).isNotEqualTo(a);
    }
}
