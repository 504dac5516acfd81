package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hedged execute never waits for a connection on a full server, over real sockets: servers of one connection
 * each (max-active 1), one of them full because the test holds its connection, and max-wait far longer than any
 * of these tests may take, so that a call that waited on the full server could not answer before the test lets
 * the connection go. The first attempt's work blocks on a latch on the server the test wants slow.
 */
class HedgeRoomTest {

    private static final Duration LONG_WAIT = Duration.ofMinutes(2);

    private final List<TestServer> servers = new ArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch slowRelease = new CountDownLatch(1);
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;
    private Lease<SocketConnection> held;
    /** The balancer's order of preference: the first of these among its candidates. */
    private volatile List<ServerAddress> order;

    private final Balancer preferring = new Balancer() {
        @Override
        public <S extends Candidate> S pick(List<S> candidates) {
            for (ServerAddress wanted : order) {
                for (S c : candidates) {
                    if (c.server().equals(wanted)) {
                        return c;
                    }
                }
            }
            return candidates.get(0);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 3; i++) {
            servers.add(TestServer.start());
        }
        factory = new CountingFactory<>(SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterEach
    void tearDown() {
        slowRelease.countDown();
        if (held != null) {
            held.close();
        }
        if (pool != null) {
            pool.close();
        }
        executor.shutdownNow();
        servers.forEach(TestServer::close);
        assertThat(factory.errors).isEmpty();
        assertThat(factory.live()).as("every connection made was destroyed").isZero();
    }

    private ServerAddress a() {
        return servers.get(0).address();
    }

    private ServerAddress b() {
        return servers.get(1).address();
    }

    private ServerAddress c() {
        return servers.get(2).address();
    }

    private MultiPool.Builder<SocketConnection> builder(HedgeDelay delay, List<ServerAddress> members) {
        MultiPool.Builder<SocketConnection> builder = MultiPool.builder(factory).name("room").balancer(preferring)
                .servers(members).maxActive(1).maxWait(LONG_WAIT).healthCheckInterval(Duration.ZERO)
                .backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0);
        return delay == null ? builder : builder.hedgeDelay(delay).hedgeExecutor(executor);
    }

    /** A call whose work blocks on {@code slowRelease} when it runs on server A; answers the server it ran on. */
    private CompletableFuture<ServerAddress> call() {
        return CompletableFuture.supplyAsync(() -> pool.execute((c, server) -> {
            if (server.equals(a())) {
                assertThat(slowRelease.await(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");
            return server;
        }), executor);
    }

    private static ServerAddress answer(CompletableFuture<ServerAddress> call) throws Exception {
        return call.get(30, TimeUnit.SECONDS); // far below max-wait: a call that waited on the full server fails here
    }

    private void awaitAllBack() {
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().active() == (held == null ? 0 : 1));
    }

    @Test
    void aHedgePassesOverAFullServerToOneWithRoom() throws Exception {
        order = List.of(a(), b(), c());
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(20)), List.of(a(), b(), c())).build();
        held = pool.borrow(b()); // B's only connection: B is full
        assertThat(answer(call())).as("the hedge went to C while A's attempt still runs").isEqualTo(c());
        RetryStats stats = pool.retryStats();
        assertThat(stats.hedges()).isEqualTo(1);
        assertThat(stats.hedgesWon()).isEqualTo(1);
        assertThat(stats.hedgesWithoutRoom()).isZero();
        assertThat(pool.stats(b()).waiting()).isZero();
        assertThat(servers.get(1).accepted()).as("nothing but the held connection on B").isEqualTo(1);
        slowRelease.countDown();
        awaitAllBack();
    }

    @Test
    void whenEveryOtherServerIsFullThereIsNoHedgeAndNoWaitAndItIsCounted() throws Exception {
        order = List.of(a(), b());
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(20)), List.of(a(), b())).build();
        held = pool.borrow(b());
        CompletableFuture<ServerAddress> call = call();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.retryStats().hedgesWithoutRoom() == 1);
        assertThat(pool.stats(b()).waiting()).as("nobody waits on the full server").isZero();
        assertThat(call).as("the first attempt still runs").isNotDone();
        slowRelease.countDown();
        assertThat(answer(call)).isEqualTo(a());
        RetryStats stats = pool.retryStats();
        assertThat(stats.hedges()).as("no hedge made, no token taken").isZero();
        assertThat(stats.attemptsPerCall()).isEqualTo(1.0);
        awaitAllBack();
    }

    @Test
    void aCallWithNoRoomForItsHedgeLooksAgainAndHedgesOnceAServerHasRoom() throws Exception {
        order = List.of(a(), b());
        pool = builder(HedgeDelay.fixed(Duration.ofMillis(20)), List.of(a(), b())).build();
        held = pool.borrow(b());
        CompletableFuture<ServerAddress> call = call();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.retryStats().hedgesWithoutRoom() == 1);
        held.close(); // B has room now: the call's next look finds it
        held = null;
        assertThat(answer(call)).as("hedged on B while A's attempt still runs").isEqualTo(b());
        RetryStats stats = pool.retryStats();
        assertThat(stats.hedges()).isEqualTo(1);
        assertThat(stats.hedgesWithoutRoom()).as("counted once per call").isEqualTo(1);
        slowRelease.countDown();
        awaitAllBack();
    }

    @Test
    void aHedgedCallsFirstAttemptPassesOverAFullServerToOneWithRoom() throws Exception {
        slowRelease.countDown(); // A answers at once here
        order = List.of(b(), c(), a());
        pool = builder(HedgeDelay.fixed(Duration.ofMinutes(1)), List.of(a(), b(), c())).build();
        held = pool.borrow(b());
        assertThat(answer(call())).as("not behind B's held connection").isIn(c(), a());
        assertThat(pool.retryStats().hedges()).isZero();
        assertThat(pool.stats(b()).waiting()).isZero();
        awaitAllBack();
    }

    @Test
    void unhedgedTheAttemptStillWaitsOnTheServerItsBalancerPicked() throws Exception {
        order = List.of(b(), c(), a());
        pool = builder(null, List.of(a(), b(), c())).build();
        held = pool.borrow(b());
        CompletableFuture<ServerAddress> call = call();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(b()).waiting() == 1);
        assertThat(call).isNotDone();
        held.close();
        held = null;
        assertThat(answer(call)).as("the connection given back went to the waiting call").isEqualTo(b());
        awaitAllBack();
    }

    @Test
    void aHedgedCallWhoseServersAreAllFullWaitsAsBefore() throws Exception {
        order = List.of(b());
        pool = builder(HedgeDelay.fixed(Duration.ofMinutes(1)), List.of(b())).build();
        held = pool.borrow(b());
        CompletableFuture<ServerAddress> call = call();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(b()).waiting() == 1);
        held.close();
        held = null;
        assertThat(answer(call)).isEqualTo(b());
        awaitAllBack();
    }

    @Test
    void aPercentileHedgesTheCallsOfASlowServerEvenWhenItTakesAThirdOfThem() {
        servers.get(0).delay(Duration.ofMillis(50)); // A: slow; round-robin gives it a third of the first attempts
        pool = MultiPool.builder(factory).name("p95").servers(List.of(a(), b(), c())).balancer(Balancer.roundRobin())
                .maxActive(64).healthCheckInterval(Duration.ZERO).hedgeDelay(HedgeDelay.percentile(95)).hedgeExecutor(executor)
                .build();
        for (int i = 0; i < LatencyPercentile.MIN_SAMPLES; i++) {
            pool.execute(c -> Lines.roundTrip(c, "PING")); // unhedged while the percentile is measured
        }
        RetryStats before = pool.retryStats();
        int fromA = 0;
        int calls = 90;
        for (int i = 0; i < calls; i++) {
            ServerAddress answeredBy = pool.execute((c, server) -> {
                Lines.roundTrip(c, "PING");
                return server;
            });
            fromA += answeredBy.equals(a()) ? 1 : 0;
        }
        RetryStats after = pool.retryStats();
        // The pool-wide p95 falls in A's latencies (a third of them are A's): it would hedge nothing. The delay
        // of a call on A is the p95 of B's and C's latencies, so A's calls are hedged and the hedges win.
        assertThat(after.hedgesWon() - before.hedgesWon()).as("hedges won").isGreaterThanOrEqualTo(calls / 4);
        assertThat(fromA).as("answers from the slow server").isLessThan(calls / 10);
        awaitAllBack();
    }
}
