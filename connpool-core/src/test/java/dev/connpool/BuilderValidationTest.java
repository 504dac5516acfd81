package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BuilderValidationTest {

    private static final ConnectionFactory<Object> FACTORY = new ConnectionFactory<>() {
        @Override
        public Object create(ServerAddress server) {
            return new Object();
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
        }
    };

    private static final Duration MINUS_ONE = Duration.ofMillis(-1);

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("max-active", "0", b -> b.maxActive(0)),
                bad("max-idle", "-1", b -> b.maxIdle(-1)),
                bad("max-idle", "9", b -> b.maxIdle(9)),
                bad("min-idle", "-1", b -> b.minIdle(-1)),
                bad("min-idle", "5", b -> b.maxIdle(4).minIdle(5)),
                bad("max-total", "0", b -> b.maxTotal(0)),
                bad("max-total", "-2", b -> b.maxTotal(-2)),
                bad("max-wait", "PT-0.001S", b -> b.maxWait(MINUS_ONE)),
                bad("max-wait", "null", b -> b.maxWait(null)),
                bad("idle-timeout", "PT-0.001S", b -> b.idleTimeout(MINUS_ONE)),
                bad("max-lifetime", "PT-0.001S", b -> b.maxLifetime(MINUS_ONE)),
                bad("balancer", "null", b -> b.balancer(null)),
                bad("retry.attempts", "0", b -> b.retryAttempts(0)),
                bad("retry.backoff.min", "PT-0.001S", b -> b.backoff(MINUS_ONE, Duration.ofSeconds(1), 2, 0.2)),
                bad("retry.backoff.max", "PT0.005S", b -> b.backoff(Duration.ofMillis(10), Duration.ofMillis(5), 2, 0.2)),
                bad("retry.backoff.factor", "0.5", b -> b.backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 0.5, 0.2)),
                bad("retry.backoff.factor", "NaN", b -> b.backoff(Duration.ofMillis(10), Duration.ofSeconds(1), Double.NaN, 0.2)),
                bad("retry.backoff.jitter", "1.5", b -> b.backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 2, 1.5)),
                bad("retry.backoff.jitter", "-0.1", b -> b.backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 2, -0.1)),
                bad("retry.budget.ratio", "-0.1", b -> b.retryBudgetRatio(-0.1)),
                bad("retry.budget.ratio", "NaN", b -> b.retryBudgetRatio(Double.NaN)),
                bad("retry.budget.ratio", "1001.0", b -> b.retryBudgetRatio(1001)),
                bad("retry.budget.min-per-second", "-1", b -> b.retryBudgetMinPerSecond(-1)),
                bad("retry.budget.window", "PT0.5S", b -> b.retryBudgetWindow(Duration.ofMillis(500))),
                bad("retry.budget.window", "PT1M1S", b -> b.retryBudgetWindow(Duration.ofSeconds(61))),
                bad("retry.budget.window", "null", b -> b.retryBudgetWindow(null)),
                bad("hedge.delay", "null", b -> b.hedgeDelay(null)),
                bad("hedge.delay", "0ms", b -> b.hedgeDelay(HedgeDelay.fixed(Duration.ZERO)).hedgeExecutor(Runnable::run)),
                bad("hedge.delay", "p100", b -> b.hedgeDelay(HedgeDelay.percentile(100)).hedgeExecutor(Runnable::run)),
                bad("hedge.delay", "p-5", b -> b.hedgeDelay(HedgeDelay.percentile(-5)).hedgeExecutor(Runnable::run)),
                bad("hedge.delay", "20ms", b -> b.hedgeDelay(HedgeDelay.fixed(Duration.ofMillis(20)))),
                bad("ejection.consecutive-failures", "0", b -> b.ejection(0, Duration.ofSeconds(1), Duration.ofSeconds(30), 50)),
                bad("ejection.base-time", "PT0S", b -> b.ejection(3, Duration.ZERO, Duration.ofSeconds(30), 50)),
                bad("ejection.max-time", "PT0.5S", b -> b.ejection(3, Duration.ofSeconds(1), Duration.ofMillis(500), 50)),
                bad("ejection.max-percent", "101", b -> b.ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 101)),
                bad("ejection.max-percent", "-1", b -> b.ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), -1)),
                bad("shutdown-timeout", "PT-0.001S", b -> b.shutdownTimeout(MINUS_ONE)),
                bad("leak-detection-threshold", "PT-0.001S", b -> b.leakDetectionThreshold(MINUS_ONE)),
                bad("servers", "db:1", b -> b.servers(List.of(ServerAddress.parse("db:1"), ServerAddress.parse("DB:1")))),
                bad("name", " ", b -> b.name(" ")));
    }

    private static Arguments bad(String key, String value, UnaryOperator<MultiPool.Builder<Object>> change) {
        return Arguments.of(key, value, change);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badSettings")
    void rejectsBadValueNamingSettingAndValue(String key, String value, UnaryOperator<MultiPool.Builder<Object>> change) {
        MultiPool.Builder<Object> b = change.apply(MultiPool.builder(FACTORY).name("orders"));
        assertThatThrownBy(b::build)
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.setting()).isEqualTo(key);
                    assertThat(e.value()).isEqualTo(value);
                    assertThat(e.reason()).isNotBlank();
                    assertThat(e.getMessage()).isEqualTo("pool '" + e.pool() + "': invalid " + key + " = " + value + ": "
                            + e.reason());
                })
                .hasMessageContaining(key)
                .hasMessageContaining(value);
    }

    @Test
    void defaultsAreValidAndDocumented() {
        PoolSettings s = MultiPool.builder(FACTORY).name("d").settings();
        assertThat(s.limits().maxActive()).isEqualTo(8);
        assertThat(s.limits().maxIdle()).isEqualTo(8);
        assertThat(s.limits().minIdle()).isZero();
        assertThat(s.limits().maxTotal()).isEqualTo(-1);
        assertThat(s.limits().maxWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.lifetime().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.lifetime().maxLifetime()).isZero();
        assertThat(s.retry().attempts()).isEqualTo(3);
        assertThat(s.retry().budget().ratio()).isEqualTo(0.2);
        assertThat(s.retry().budget().minPerSecond()).isEqualTo(10);
        assertThat(s.retry().budget().window()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.hedge().enabled()).isFalse();
        assertThat(s.ejection().consecutiveFailures()).isEqualTo(3);
        assertThat(s.ejection().maxPercent()).isEqualTo(50);
        assertThat(s.balancer().name()).isEqualTo("least-latency");
        assertThat(s.housekeepingInterval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void housekeepingFollowsTheShortestTimeout() {
        assertThat(PoolSettings.defaultHousekeepingInterval(Duration.ofMillis(400), Duration.ZERO))
                .isEqualTo(Duration.ofMillis(100));
        assertThat(PoolSettings.defaultHousekeepingInterval(Duration.ofMinutes(5), Duration.ofSeconds(2)))
                .isEqualTo(Duration.ofMillis(500));
        assertThat(PoolSettings.defaultHousekeepingInterval(Duration.ZERO, Duration.ZERO))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(PoolSettings.defaultHousekeepingInterval(Duration.ofMillis(1), Duration.ZERO))
                .isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void ejectionCapNeverCoversEveryServer() {
        PoolSettings half = MultiPool.builder(FACTORY).ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 50).settings();
        assertThat(half.ejection().maxEjected(1)).isZero();
        assertThat(half.ejection().maxEjected(2)).isEqualTo(1);
        assertThat(half.ejection().maxEjected(3)).isEqualTo(1);
        assertThat(half.ejection().maxEjected(10)).isEqualTo(5);
        PoolSettings all = MultiPool.builder(FACTORY).ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 100).settings();
        assertThat(all.ejection().maxEjected(3)).isEqualTo(2);
        PoolSettings few = MultiPool.builder(FACTORY).ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 10).settings();
        assertThat(few.ejection().maxEjected(3)).isEqualTo(1);
        PoolSettings none = MultiPool.builder(FACTORY).ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 0).settings();
        assertThat(none.ejection().maxEjected(10)).isZero();
    }

    @Test
    void ejectionTimeDoublesAndIsCapped() {
        PoolSettings s = MultiPool.builder(FACTORY).ejection(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 50).settings();
        assertThat(s.ejection().nanos(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(s.ejection().nanos(2)).isEqualTo(Duration.ofSeconds(2).toNanos());
        assertThat(s.ejection().nanos(5)).isEqualTo(Duration.ofSeconds(16).toNanos());
        assertThat(s.ejection().nanos(6)).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(s.ejection().nanos(100)).isEqualTo(Duration.ofSeconds(30).toNanos());
    }

    @Test
    void factoryIsRequired() {
        assertThatThrownBy(() -> MultiPool.builder(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("factory");
    }
}
