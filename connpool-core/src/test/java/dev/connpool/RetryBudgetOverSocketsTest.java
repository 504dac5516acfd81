package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two of three servers down (two ports that refuse connections, one live server), 4 threads of {@code execute}:
 * the attempts per call with and without the retry budget, and what a call refused a retry gets.
 */
class RetryBudgetOverSocketsTest {

    private static final Logger log = LoggerFactory.getLogger(RetryBudgetOverSocketsTest.class);
    private static final int THREADS = 4;
    private static final int CALLS_PER_THREAD = 500;

    private final List<TestServer> servers = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 3; i++) {
            servers.add(TestServer.start());
        }
        servers.get(0).stop(); // refuses connections
        servers.get(1).stop();
        factory = new CountingFactory<>(SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(2)).build());
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
        assertThat(factory.errors).isEmpty();
        assertThat(factory.live()).isZero();
    }

    /**
     * The pool under test: default balancer, no pauses, and an ejection threshold the test never reaches, so that
     * the dead servers stay usable and keep drawing first attempts (with the default threshold one would be
     * ejected and the other, failing, no longer picked while the live server is there: see
     * {@link FailingServerPickTest}), which is what makes the failovers the budget bounds.
     */
    private MultiPool.Builder<SocketConnection> builder() {
        return MultiPool.builder(factory).name("budget")
                .servers(servers.stream().map(TestServer::address).toList())
                .ejectionConsecutiveFailures(1_000_000)
                .backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                .healthCheckInterval(Duration.ZERO)
                .retryBudgetWindow(Duration.ofSeconds(60)); // nothing expires while the test runs
    }

    /** Runs the calls; returns the failures the callers saw. */
    private List<Throwable> load() throws Exception {
        return PingLoad.run(pool, THREADS, CALLS_PER_THREAD);
    }

    @Test
    void withoutABudgetCallsMakeTheirExtraAttemptsOnTheDeadServers() throws Exception {
        pool = builder().retryBudgetRatio(RetryBudget.MAX_RATIO).build();
        List<Throwable> failures = load();
        RetryStats stats = pool.retryStats();
        log.info("two of three down, no budget: {} attempts per call ({}), {} failures", stats.attemptsPerCall(),
                stats, failures.size());
        assertThat(failures).isEmpty();
        assertThat(stats.calls()).isEqualTo(THREADS * CALLS_PER_THREAD);
        assertThat(stats.budgetExhausted()).isZero();
        assertThat(stats.attemptsPerCall()).as("the dead servers, never ejected, draw calls")
                .isGreaterThan(1.3);
    }

    @Test
    void theBudgetHoldsAttemptsPerCallTo1point2AndFailsTheRestAtOnce() throws Exception {
        pool = builder().retryBudgetMinPerSecond(0).build();
        List<Throwable> failures = load();
        RetryStats stats = pool.retryStats();
        log.info("two of three down, budget 0.2 + 0/s: {} attempts per call ({}), {} failures",
                stats.attemptsPerCall(), stats, failures.size());
        assertThat(stats.calls()).isEqualTo(THREADS * CALLS_PER_THREAD);
        assertThat(stats.attemptsPerCall()).isLessThanOrEqualTo(1.2);
        assertThat(stats.budgetExhausted()).isPositive().isEqualTo(failures.size());
        for (Throwable failure : failures) {
            assertThat(failure).isInstanceOf(ConnectFailedException.class)
                    .hasMessageContaining("not retried: the pool's retry budget is spent (retry.budget.ratio 0.2");
            assertThat(((PoolException) failure).server()).isIn(servers.get(0).address(), servers.get(1).address());
        }
    }

    @Test
    void onceTheReserveIsSpentTheDefaultBudgetHoldsAttemptsPerCallTo1point2() throws Exception {
        pool = builder().build(); // 0.2 + 10/s: a reserve of 600 over the 60 s window
        double reserve = 10 * 60;
        RetryStats before;
        do { // spend the reserve
            load();
            before = pool.retryStats();
        } while (before.budgetExhausted() == 0);
        // Nothing has left the 60 s window, so the tokens left are the reserve plus 0.2 a call, less the retries
        // taken: the part of a token no retry could take, and the deposits of the calls made since the last retry.
        double left = reserve + 0.2 * before.calls() - before.retries();
        long start = System.nanoTime();
        load();
        double seconds = (System.nanoTime() - start) / 1e9;
        RetryStats after = pool.retryStats();
        long calls = after.calls() - before.calls();
        long retries = after.retries() - before.retries();
        double attemptsPerCall = (calls + retries) / (double) calls;
        log.info("two of three down, default budget, reserve spent: {} attempts per call in {} s, {} tokens left "
                + "before ({} before: {})", attemptsPerCall, seconds, left, after, before);
        assertThat(left).as("the reserve is spent").isLessThan(0.01 * calls);
        assertThat(retries).as("at most 0.2 retries a call, and the tokens left when the calls began")
                .isLessThanOrEqualTo((long) Math.floor(0.2 * calls + left + 1e-6));
        assertThat(attemptsPerCall).isLessThanOrEqualTo(1.21);
    }

    @Test
    void aServerFailureRefusedARetryIsThrownAtOnceAsTheCallbackFailureItWas() throws Exception {
        servers.get(0).restart();
        servers.get(0).hang(); // reads, never answers: the read times out, a SERVER failure
        pool = MultiPool.builder(factory).name("budget").servers(List.of(servers.get(0).address()))
                .retryBudgetRatio(0).retryBudgetMinPerSecond(0).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> pool.execute(c -> Lines.roundTrip(c, "PING")))
                .isInstanceOf(CallbackFailedException.class).hasRootCauseInstanceOf(java.net.SocketTimeoutException.class)
                .hasMessageContaining("attempt 1 of 3").hasMessageContaining("not retried: the pool's retry budget is spent");
        assertThat(servers.get(0).requests()).as("no second attempt").isEqualTo(1);
        assertThat(pool.retryStats()).isEqualTo(new RetryStats(1, 0, 1, 0, 0));
    }

    @Test
    void aKeysFailoverTakesATokenToo() throws Exception {
        servers.get(1).restart(); // one dead server: whichever a key falls back to serves
        pool = builder().ejection(1, Duration.ofSeconds(30), Duration.ofSeconds(30), 100)
                .retryBudgetRatio(0).retryBudgetMinPerSecond(0).build();
        String key = keyOwnedBy(servers.get(0).address());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> pool.executeFor(key, c -> Lines.roundTrip(c, "PING")))
                .isInstanceOf(ConnectFailedException.class).hasMessageContaining("retry budget is spent");
        assertThat(pool.retryStats().budgetExhausted()).isEqualTo(1);
        String answer = pool.executeFor(key, c -> Lines.roundTrip(c, "PING")); // its owner is out: its fallback serves
        assertThat(answer).isEqualTo("PONG");
    }

    private String keyOwnedBy(ServerAddress server) {
        for (int i = 0; ; i++) {
            if (pool.serverFor("key-" + i).equals(server)) {
                return "key-" + i;
            }
        }
    }

    @Test
    void theSameServerRetryOnANewConnectionTakesNoToken() throws Exception {
        servers.get(0).restart();
        servers.get(1).restart();
        pool = builder().retryBudgetRatio(0).retryBudgetMinPerSecond(0).build();
        for (int i = 0; i < 6; i++) { // a connection parked on each server
            pool.execute(c -> Lines.roundTrip(c, "PING"));
        }
        servers.forEach(TestServer::closeAll); // every idle connection dies
        for (int i = 0; i < 6; i++) {
            String answer = pool.execute(c -> Lines.roundTrip(c, "PING"));
            assertThat(answer).isEqualTo("PONG");
        }
        assertThat(pool.retryStats().retries()).isZero();
        assertThat(pool.retryStats().budgetExhausted()).isZero();
    }
}
