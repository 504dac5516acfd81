package dev.connpool.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.connpool.ConnectFailedException;
import dev.connpool.HedgeDelay;
import dev.connpool.Lease;
import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import dev.connpool.TestServer;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The retry meters read the pool's RetryStats: a failover, a failure the spent budget let through, and a hedged
 * call that found no room for its second attempt.
 */
class RetryMetersTests {

    @Test
    void theRetryCountersShouldCountFailoversAndFailuresThrownBecauseTheBudgetWasSpent() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TestServer live = TestServer.start(); TestServer dead = TestServer.start()) {
            dead.stop();
            try (MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder().build())
                    .name("retrying").servers(List.of(dead.address(), live.address()))
                    .balancer(new DeadFirst(dead)).backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                    .retryBudgetRatio(0).retryBudgetMinPerSecond(1).retryBudgetWindow(Duration.ofSeconds(1)).build();
                 ConnpoolMeterBinder binder = new ConnpoolMeterBinder(new MultiPoolRegistry(List.of(pool)))) {
                binder.bindTo(registry);
                assertThat(count(registry, "connpool.retries")).isZero();
                String answer = pool.execute(c -> Lines.roundTrip(c, "PING")); // the reserve's one token
                assertThat(answer).isEqualTo("PONG");
                assertThatThrownBy(() -> pool.execute(c -> Lines.roundTrip(c, "PING")))
                        .isInstanceOf(ConnectFailedException.class).hasMessageContaining("retry budget is spent");
                assertThat(count(registry, "connpool.retries")).isEqualTo(1);
                assertThat(count(registry, "connpool.retry.budget.exhausted")).isEqualTo(1);
                assertThat(count(registry, "connpool.hedges")).isZero();
                assertThat(count(registry, "connpool.hedges.won")).isZero();
            }
        }
    }

    @Test
    void theHedgesWithoutRoomCounterShouldCountAHedgedCallWhoseOtherServerIsFull() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService executor = Executors.newCachedThreadPool();
        try (TestServer slow = TestServer.start(); TestServer full = TestServer.start();
             MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder().build())
                     .name("retrying").servers(List.of(slow.address(), full.address())).maxActive(1)
                     .balancer(new DeadFirst(slow)).hedgeDelay(HedgeDelay.fixed(Duration.ofMillis(20)))
                     .hedgeExecutor(executor).build();
             ConnpoolMeterBinder binder = new ConnpoolMeterBinder(new MultiPoolRegistry(List.of(pool)))) {
            binder.bindTo(registry);
            CompletableFuture<String> call;
            try (Lease<SocketConnection> held = pool.borrow(full.address())) { // its one connection: no room
                call = CompletableFuture.supplyAsync(() -> pool.execute(c -> {
                    assertThat(release.await(30, TimeUnit.SECONDS)).isTrue(); // the first attempt outlasts the delay
                    return Lines.roundTrip(c, "PING");
                }), executor);
                await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "connpool.hedges.without.room") == 1);
                assertThat(count(registry, "connpool.hedges")).isZero();
            }
            release.countDown();
            assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("PONG");
            assertThat(count(registry, "connpool.hedges.without.room")).as("counted once per call").isEqualTo(1);
        } finally {
            release.countDown();
            executor.shutdownNow();
        }
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("pool", "retrying").functionCounter().count();
    }

    /** Picks the dead server while it is a candidate. */
    private record DeadFirst(TestServer dead) implements dev.connpool.Balancer {
        @Override
        public <S extends Candidate> S pick(List<S> candidates) {
            for (S c : candidates) {
                if (c.server().equals(dead.address())) {
                    return c;
                }
            }
            return candidates.get(0);
        }
    }
}
