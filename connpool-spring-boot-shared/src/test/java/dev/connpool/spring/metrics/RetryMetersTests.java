package dev.connpool.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connpool.ConnectFailedException;
import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import dev.connpool.TestServer;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retry meters read the pool's RetryStats: a failover, and a failure the spent budget let through. */
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
