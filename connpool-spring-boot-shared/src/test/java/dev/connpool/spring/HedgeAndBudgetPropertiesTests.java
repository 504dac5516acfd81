package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.HedgeDelay;
import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.PoolSettings;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** retry.budget.* and hedge.* from properties to the pool: values, defaults, the hedge executor, bad values. */
class HedgeAndBudgetPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class));

    private static final String ORDERS = "connpool.pools.orders.servers=127.0.0.1:9001,127.0.0.1:9002";

    @Test
    void runWhenTheBudgetAndAHedgePercentileAreSetShouldReachThePool() {
        runner.withPropertyValues(ORDERS, "connpool.pools.orders.retry.budget.ratio=0.5",
                "connpool.pools.orders.retry.budget.min-per-second=3", "connpool.defaults.retry.budget.window=20s",
                "connpool.defaults.hedge.delay=p99").run(context -> {
                    PoolSettings s = context.getBean("orders", MultiPool.class).settings();
                    assertThat(s.retry().budget().ratio()).isEqualTo(0.5);
                    assertThat(s.retry().budget().minPerSecond()).isEqualTo(3);
                    assertThat(s.retry().budget().window()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(s.hedge().delay()).isEqualTo(HedgeDelay.percentile(99));
                });
    }

    @Test
    void runWithoutSettingsShouldHaveCoresBudgetAndNoHedging() {
        runner.withPropertyValues(ORDERS).run(context -> {
            PoolSettings s = context.getBean("orders", MultiPool.class).settings();
            assertThat(s.retry().budget().ratio()).isEqualTo(0.2);
            assertThat(s.retry().budget().minPerSecond()).isEqualTo(10);
            assertThat(s.hedge().enabled()).isFalse();
        });
    }

    @Test
    void runWhenAHedgeDelayIsSetWithoutAnExecutorShouldHedgeOnAThreadPerAttempt() throws Exception {
        try (TestServer slow = TestServer.start(); TestServer fast = TestServer.start()) {
            slow.delay(Duration.ofMillis(500));
            runner.withPropertyValues("connpool.pools.orders.servers=" + slow.address() + "," + fast.address(),
                    "connpool.pools.orders.balancer=round-robin", "connpool.pools.orders.hedge.delay=20ms").run(context -> {
                        @SuppressWarnings("unchecked")
                        MultiPool<SocketConnection> pool = context.getBean("orders", MultiPool.class);
                        assertThat(pool.settings().hedge().delay()).isEqualTo(HedgeDelay.fixed(Duration.ofMillis(20)));
                        String thread = pool.execute(c -> {
                            Lines.roundTrip(c, "PING");
                            return Thread.currentThread().getName();
                        });
                        assertThat(thread).startsWith("connpool-hedge-orders-");
                    });
        }
    }

    @Test
    void runWhenHedgeExecutorNamesAnExecutorBeanShouldRunTheAttemptsOnIt() throws Exception {
        try (TestServer server = TestServer.start()) {
            runner.withUserConfiguration(CountingExecutorConfiguration.class)
                    .withPropertyValues("connpool.pools.orders.servers=" + server.address(),
                            "connpool.pools.orders.hedge.delay=1s", "connpool.defaults.hedge.executor=counting")
                    .run(context -> {
                        @SuppressWarnings("unchecked")
                        MultiPool<SocketConnection> pool = context.getBean("orders", MultiPool.class);
                        String answer = pool.execute(c -> Lines.roundTrip(c, "PING"));
                        assertThat(answer).isEqualTo("PONG");
                        assertThat(context.getBean(CountingExecutorConfiguration.class).tasks).hasValue(1);
                    });
        }
    }

    @Test
    void runWhenTheHedgeDelayIsNoDelayShouldFailAtItsProperty() {
        runner.withPropertyValues(ORDERS, "connpool.pools.orders.hedge.delay=soon").run(context ->
                assertThat(failure(context)).hasMessageContaining("soon")
                        .extracting(ConnpoolConfigurationException::property).isEqualTo("connpool.pools.orders.hedge.delay"));
    }

    @Test
    void runWhenTheHedgeDelayIsOutOfRangeShouldFailAtItsProperty() {
        runner.withPropertyValues(ORDERS, "connpool.defaults.hedge.delay=p100").run(context ->
                assertThat(failure(context).property()).isEqualTo("connpool.defaults.hedge.delay"));
    }

    @Test
    void runWhenTheHedgeExecutorIsNoExecutorShouldFailAtItsProperty() {
        runner.withPropertyValues(ORDERS, "connpool.pools.orders.hedge.delay=p95",
                "connpool.pools.orders.hedge.executor=connpoolPoolBeanRegistrar").run(context ->
                assertThat(failure(context)).hasMessageContaining("not a java.util.concurrent.Executor")
                        .extracting(ConnpoolConfigurationException::property)
                        .isEqualTo("connpool.pools.orders.hedge.executor"));
    }

    @Test
    void runWhenTheBudgetRatioIsNegativeShouldFailAtItsProperty() {
        runner.withPropertyValues(ORDERS, "connpool.pools.orders.retry.budget.ratio=-1").run(context ->
                assertThat(failure(context).property()).isEqualTo("connpool.pools.orders.retry.budget.ratio"));
    }

    /** The start-up failure's ConnpoolConfigurationException (what the FailureAnalyzer reports). */
    private static ConnpoolConfigurationException failure(
            org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
        Throwable failure = context.getStartupFailure();
        while (failure != null && !(failure instanceof ConnpoolConfigurationException)) {
            failure = failure.getCause();
        }
        assertThat(failure).as("a ConnpoolConfigurationException in " + context.getStartupFailure())
                .isInstanceOf(ConnpoolConfigurationException.class);
        return (ConnpoolConfigurationException) failure;
    }

    @Configuration(proxyBeanMethods = false)
    static class CountingExecutorConfiguration {

        final AtomicInteger tasks = new AtomicInteger();

        @Bean
        Executor counting() {
            return task -> {
                tasks.incrementAndGet();
                ForkJoinPool.commonPool().execute(task);
            };
        }
    }
}
