package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Retries pause per the back-off settings, move to untried servers, and give up after retry.attempts. */
class RetryBackoffTest {

    private final List<ServerAddress> attempts = new CopyOnWriteArrayList<>();
    private final ConnectionFactory<Object> refusing = new ConnectionFactory<>() {
        @Override
        public Object create(ServerAddress server) throws IOException {
            attempts.add(server);
            throw new ConnectException("refused: " + server);
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
        }
    };

    private static List<ServerAddress> servers(int n) {
        return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> ServerAddress.of("s" + i, 1)).toList();
    }

    @Test
    void pausesGrowByFactorUpToMaxBetweenAttempts() {
        FakeClock clock = new FakeClock();
        try (MultiPool<Object> pool = MultiPool.builder(refusing).name("r").servers(servers(6)).clock(clock)
                .retryAttempts(6).backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.0)
                .ejection(100, Duration.ofSeconds(1), Duration.ofSeconds(1), 50).build()) {
            assertThatThrownBy(pool::borrow).isInstanceOfSatisfying(ConnectFailedException.class,
                    e -> assertThat(e.getSuppressed()).hasSize(5));
            assertThat(clock.sleeps).containsExactly(ms(10), ms(20), ms(40), ms(50), ms(50));
            assertThat(attempts).hasSize(6).doesNotHaveDuplicates();
        }
    }

    @Test
    void jitterKeepsEachPauseWithinItsBand() {
        FakeClock clock = new FakeClock();
        try (MultiPool<Object> pool = MultiPool.builder(refusing).name("r").servers(servers(3)).clock(clock)
                .retryAttempts(3).backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5)
                .ejection(100, Duration.ofSeconds(1), Duration.ofSeconds(1), 50).build()) {
            for (int i = 0; i < 50; i++) {
                assertThatThrownBy(pool::borrow).isInstanceOf(ConnectFailedException.class);
            }
            for (int i = 0; i < clock.sleeps.size(); i += 2) {
                assertThat(clock.sleeps.get(i)).isBetween(ms(50), ms(150));
                assertThat(clock.sleeps.get(i + 1)).isBetween(ms(100), ms(300));
            }
            assertThat(clock.sleeps).hasSize(100).doesNotHaveDuplicates();
        }
    }

    @Test
    void oneAttemptMeansNoRetryAndNoPause() {
        FakeClock clock = new FakeClock();
        try (MultiPool<Object> pool = MultiPool.builder(refusing).name("r").servers(servers(3)).clock(clock)
                .retryAttempts(1).build()) {
            assertThatThrownBy(pool::borrow).isInstanceOfSatisfying(ConnectFailedException.class, e -> {
                assertThat(e.getSuppressed()).isEmpty();
                assertThat(e.getCause()).isInstanceOf(ConnectException.class);
                assertThat(e.getMessage()).contains(e.server().toString());
            });
            assertThat(clock.sleeps).isEmpty();
            assertThat(attempts).hasSize(1);
        }
    }

    @Test
    void moreAttemptsThanServersGoesRoundAgain() {
        FakeClock clock = new FakeClock();
        try (MultiPool<Object> pool = MultiPool.builder(refusing).name("r").servers(servers(2)).clock(clock)
                .retryAttempts(5).backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                .ejection(100, Duration.ofSeconds(1), Duration.ofSeconds(1), 50).build()) {
            assertThatThrownBy(pool::borrow).isInstanceOf(ConnectFailedException.class);
            assertThat(attempts).hasSize(5);
            assertThat(attempts.subList(0, 2)).doesNotHaveDuplicates();
        }
    }

    @Test
    void interruptDuringBackoffStopsTheBorrowAndKeepsTheFlag() {
        NanoClock interrupting = new NanoClock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepNanos(long nanos) throws InterruptedException {
                throw new InterruptedException("test");
            }
        };
        try (MultiPool<Object> pool = MultiPool.builder(refusing).name("r").servers(servers(3)).clock(interrupting)
                .build()) {
            assertThatThrownBy(pool::borrow).isInstanceOf(PoolException.class).hasMessageContaining("interrupted")
                    .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
            assertThat(Thread.interrupted()).isTrue();
        }
    }

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }
}
