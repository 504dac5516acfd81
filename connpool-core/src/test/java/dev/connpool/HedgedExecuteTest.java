package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hedged execute over real sockets: a slow first attempt hedged on another server, the loser's connection given
 * back (not interrupted), a failing side waiting for the other, both failing, no token no hedge, the caller's
 * interrupt, the percentile's warm-up, an executor that refuses.
 */
class HedgedExecuteTest {

    private final List<TestServer> servers = new ArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;
    /** The server the balancer picks first, while it may be used. */
    private volatile ServerAddress preferred;

    private final Balancer preferring = new Balancer() {
        @Override
        public <S extends Candidate> S pick(List<S> candidates) {
            for (S c : candidates) {
                if (c.server().equals(preferred)) {
                    return c;
                }
            }
            return candidates.get(0);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 2; i++) {
            servers.add(TestServer.start());
        }
        factory = new CountingFactory<>(SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(10)).build());
        preferred = servers.get(0).address();
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        executor.shutdownNow();
        servers.forEach(TestServer::close);
        assertThat(factory.errors).isEmpty();
        assertThat(factory.live()).isZero();
    }

    private MultiPool.Builder<SocketConnection> builder(HedgeDelay delay) {
        return MultiPool.builder(factory).name("hedged").balancer(preferring)
                .servers(servers.stream().map(TestServer::address).toList())
                .backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0).healthCheckInterval(Duration.ZERO)
                .hedgeDelay(delay).hedgeExecutor(executor);
    }

    private ServerStats stats(TestServer server) {
        return pool.stats(server.address());
    }

    private void awaitAllBack() {
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().active() == 0);
    }

    @Test
    void aSlowFirstAttemptIsHedgedOnTheOtherServerAndTheLoserGivesItsConnectionBackUninterrupted() {
        servers.get(0).delay(Duration.ofSeconds(2));
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(50))).build();
        CountDownLatch loserDone = new CountDownLatch(1);
        AtomicBoolean loserInterrupted = new AtomicBoolean(true);
        ServerAddress answeredBy = pool.execute((c, server) -> {
            String answer = Lines.roundTrip(c, "PING");
            if (server.equals(servers.get(0).address())) {
                loserInterrupted.set(Thread.currentThread().isInterrupted());
                loserDone.countDown();
            }
            assertThat(answer).isEqualTo("PONG");
            return server;
        });
        assertThat(answeredBy).isEqualTo(servers.get(1).address());
        assertThat(pool.retryStats()).isEqualTo(new RetryStats(1, 0, 0, 1, 1));
        assertThat(stats(servers.get(0)).active()).as("the loser still runs").isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> loserDone.getCount() == 0);
        assertThat(loserInterrupted).isFalse();
        awaitAllBack();
        for (TestServer server : servers) {
            assertThat(stats(server).idle()).as("each connection back, none destroyed").isEqualTo(1);
            assertThat(stats(server).destroyed()).isZero();
        }
    }

    @Test
    void aFailingHedgeWaitsForTheFirstAttempt() {
        servers.get(0).delay(Duration.ofMillis(300));
        servers.get(1).stop(); // the hedge's connect is refused; it has no other server
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(20))).build();
        ServerAddress answeredBy = pool.execute((c, server) -> {
            Lines.roundTrip(c, "PING");
            return server;
        });
        assertThat(answeredBy).isEqualTo(servers.get(0).address());
        RetryStats stats = pool.retryStats();
        assertThat(stats.hedges()).isEqualTo(1);
        assertThat(stats.hedgesWon()).isZero();
        assertThat(stats.retries()).as("no token taken for a server the hedge may not use").isZero();
        awaitAllBack();
    }

    @Test
    void whenBothFailTheFirstAttemptsFailureIsThrownWithTheHedgesSuppressed() throws Exception {
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(20))).build();
        CountDownLatch hedgeFailed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> pool.execute((c, server) -> {
            Lines.roundTrip(c, "PING");
            if (server.equals(servers.get(0).address())) {
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                throw new IllegalStateException("first failed");
            }
            hedgeFailed.countDown();
            throw new IllegalStateException("hedge failed");
        }));
        assertThat(hedgeFailed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(call).as("waits for the first attempt").isNotDone();
        release.countDown();
        assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(IllegalStateException.class).hasMessage("first failed")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).contains("hedge failed"));
        awaitAllBack();
        for (TestServer server : servers) {
            assertThat(stats(server).idle()).as("work failures give the connection back").isEqualTo(1);
        }
    }

    @Test
    void withoutATokenThereIsNoHedge() {
        servers.get(0).delay(Duration.ofMillis(200));
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(20))).retryBudgetRatio(0).retryBudgetMinPerSecond(0).build();
        ServerAddress answeredBy = pool.execute((c, server) -> {
            Lines.roundTrip(c, "PING");
            return server;
        });
        assertThat(answeredBy).isEqualTo(servers.get(0).address());
        assertThat(pool.retryStats().hedges()).isZero();
        assertThat(servers.get(1).accepted()).isZero();
    }

    @Test
    void anInterruptedCallerGetsAPoolExceptionAndItsAttemptStillGivesItsConnectionBack() throws Exception {
        servers.get(0).delay(Duration.ofMillis(500));
        servers.get(1).stop();
        pool = builder(HedgeDelay.fixed(Duration.ofSeconds(5))).build();
        AtomicBoolean flagKept = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                pool.execute(c -> Lines.roundTrip(c, "PING"));
            } catch (PoolException e) {
                flagKept.set(Thread.currentThread().isInterrupted()
                        && e.getMessage().contains("interrupted while waiting for a hedged execute"));
            }
        });
        caller.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> servers.get(0).requests() == 1);
        caller.interrupt();
        caller.join(10_000);
        assertThat(flagKept).isTrue();
        awaitAllBack();
        assertThat(stats(servers.get(0)).idle()).isEqualTo(1);
    }

    @Test
    void aPercentileHedgesOnlyOnceItKnowsTheLatencies() {
        AtomicInteger tasks = new AtomicInteger();
        Executor counting = task -> {
            tasks.incrementAndGet();
            executor.execute(task);
        };
        pool = MultiPool.builder(factory).name("p50").servers(List.of(servers.get(0).address(), servers.get(1).address()))
                .hedgeDelay(HedgeDelay.percentile(50)).hedgeExecutor(counting).build();
        for (int i = 1; i < LatencyPercentile.MIN_SAMPLES; i++) {
            pool.execute(c -> Lines.roundTrip(c, "PING"));
        }
        assertThat(tasks.get()).as("unhedged on the caller's thread while measuring").isZero();
        pool.execute(c -> Lines.roundTrip(c, "PING")); // the 128th: the percentile is known after it
        pool.execute(c -> Lines.roundTrip(c, "PING"));
        assertThat(tasks.get()).isPositive();
    }

    @Test
    void anExecutorThatRefusesMakesTheCallRunOnTheCallersThread() {
        AtomicInteger refused = new AtomicInteger();
        pool = MultiPool.builder(factory).name("refusing").servers(List.of(servers.get(0).address()))
                .hedgeDelay(HedgeDelay.fixed(Duration.ofMillis(10))).hedgeExecutor(task -> {
                    refused.incrementAndGet();
                    throw new RejectedExecutionException("full");
                }).build();
        Thread caller = Thread.currentThread();
        assertThat(pool.<Boolean>execute(c -> {
            Lines.roundTrip(c, "PING");
            return Thread.currentThread() == caller;
        })).isTrue();
        assertThat(refused).hasValue(1);
    }
}
