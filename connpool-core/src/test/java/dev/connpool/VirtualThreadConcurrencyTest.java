package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ConcurrencyTest}'s borrowers, {@value #BORROWERS} of them, on virtual threads where the JDK has
 * them (21+): far more borrowers than connections ({@value #SERVERS} servers, max-active
 * {@value #MAX_ACTIVE} each), so most of them wait in commons-pool2, which blocks with
 * {@code synchronized}/{@code Object.wait} and its own locks. On JDK 17 the same tests run on as many
 * platform threads, and their display names say so.
 *
 * <p>Every call must end within the bound of {@link MultiPool}'s Javadoc, everything must finish (no
 * deadlock), and afterwards the books balance and close leaves nothing behind, as in ConcurrencyTest.
 */
class VirtualThreadConcurrencyTest {

    static final int BORROWERS = 200;
    static final int SERVERS = 3;
    static final int MAX_ACTIVE = 4;
    static final int ATTEMPTS = 3;
    static final Duration MAX_WAIT = Duration.ofSeconds(2);
    /** CountingFactory.sockets(): connect timeout 500 ms, read timeout 2 s. */
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(2);
    static final Duration BACKOFF_MAX = Duration.ofMillis(20);
    /** Scheduling of 200 threads on a small shared machine. */
    static final Duration MARGIN = Duration.ofSeconds(2);
    static final long BORROW_BOUND = ATTEMPTS * (MAX_WAIT.toNanos() + CONNECT_TIMEOUT.toNanos())
            + (ATTEMPTS - 1) * BACKOFF_MAX.toNanos() + MARGIN.toNanos();
    static final long EXECUTE_BOUND = BORROW_BOUND + ATTEMPTS * READ_TIMEOUT.toNanos();
    /** The borrowers must all be done within this: no deadlock, no borrower stuck. */
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    private final List<TestServer> servers = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;
    private ExecutorService borrowers;

    static Stream<String> threads() {
        return Stream.of(VirtualThreads.describe(BORROWERS));
    }

    private static ConditionFactory soon(Duration atMost) {
        return await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    @BeforeEach
    void startServers() throws IOException {
        for (int i = 0; i < SERVERS; i++) {
            servers.add(TestServer.start());
        }
        factory = CountingFactory.sockets();
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (borrowers != null) {
            borrowers.shutdownNow();
            borrowers.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
    }

    private MultiPool<SocketConnection> pool(String name) {
        return MultiPool.builder(factory).name(name)
                .servers(servers.stream().map(TestServer::address).toList())
                .maxActive(MAX_ACTIVE)
                .maxWait(MAX_WAIT)
                .retryAttempts(ATTEMPTS)
                .backoff(Duration.ofMillis(1), BACKOFF_MAX, 2.0, 0.2)
                // failover under chaos is the subject, not the retry budget (RetryBudgetOverSocketsTest): unlimited
                .retryBudgetRatio(RetryBudget.MAX_RATIO)
                .ejection(2, Duration.ofMillis(50), Duration.ofMillis(400), 50)
                .shutdownTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** No faults: 200 borrowers take turns on 12 connections; every call succeeds, within its bound. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("threads")
    void manyBorrowersShareAFewConnections(String threads) throws Exception {
        pool = pool("vt-share");
        Run run = new Run(100);
        run.start(() -> { });
        run.awaitDone();

        System.out.println("VirtualThreadConcurrencyTest share, " + threads + ": " + run.summary());
        run.assertBounded();
        assertThat(run.failures() + run.pinnedFailures()).as("failures with no fault (%s)", run.summary()).isZero();
        assertThat(run.succeeded.get()).isEqualTo(run.total);
        assertQuietAndClosedClean();
    }

    /** ConcurrencyTest's chaos (servers stopped and restarted, never all) with 200 borrowers. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("threads")
    void borrowersSurviveServersBouncing(String threads) throws Exception {
        pool = pool("vt-chaos");
        Run run = new Run(100);
        int steps = 40;
        int opsPerStep = run.total / (steps + 20);
        AtomicInteger chaosSteps = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        AtomicReference<Throwable> chaosError = new AtomicReference<>();
        Thread chaos = new Thread(() -> {
            try {
                Random random = new Random(7);
                for (int step = 1; step <= steps; step++) {
                    int due = step * opsPerStep;
                    soon(RUN_LIMIT).until(() -> run.done.get() >= due || run.finished.get());
                    if (run.finished.get()) {
                        return;
                    }
                    TestServer server = servers.get(random.nextInt(SERVERS));
                    if (server.isRunning()) {
                        if (anotherRunningServerIsActive(server)) {
                            server.stop();
                            if (run.done.get() < run.total) {
                                stops.incrementAndGet();
                            }
                        }
                    } else {
                        restart(server);
                    }
                    chaosSteps.incrementAndGet();
                }
            } catch (Throwable t) {
                chaosError.set(t);
            }
        }, "vt-chaos-monkey");
        chaos.setDaemon(true);
        run.start(chaos::start);
        run.awaitDone();
        chaos.join(10_000);
        servers.forEach(VirtualThreadConcurrencyTest::restart);

        long failures = run.failures();
        String summary = run.summary() + ", chaos steps " + chaosSteps.get() + " (stops while borrowers ran "
                + stops.get() + ")";
        System.out.println("VirtualThreadConcurrencyTest chaos, " + threads + ": " + summary);
        assertThat(chaos.isAlive()).as("chaos thread finished").isFalse();
        assertThat(chaosError.get()).as("chaos thread error").isNull();
        run.assertBounded();
        // The chaos steps along with the calls done; fast borrowers may finish before its last steps.
        assertThat(chaosSteps.get()).as("chaos steps (%s)", summary).isGreaterThanOrEqualTo(steps / 2);
        assertThat(stops.get()).as("servers stopped while the borrowers ran (%s)", summary).isGreaterThanOrEqualTo(5);
        assertThat(run.succeeded.get() + failures + run.pinnedFailures()).isEqualTo(run.total);
        // As in ConcurrencyTest: under 5% of the calls that may go to any server (two thirds of them).
        assertThat(failures).as("failures of execute() and borrow() (%s)", summary).isLessThan(run.total * 2 / 3 / 20);
        assertQuietAndClosedClean();
    }

    /** One run of {@link #BORROWERS} borrowers, each doing {@code opsEach} calls. */
    private final class Run {
        final int opsEach;
        final int total;
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger succeeded = new AtomicInteger();
        final AtomicInteger onVirtualThreads = new AtomicInteger();
        final AtomicBoolean finished = new AtomicBoolean();
        /** Failures of execute() and borrow(), which may go to any server. */
        final Map<String, LongAdder> failuresByType = new ConcurrentHashMap<>();
        /** Failures of borrow(server): that server may be down or ejected, and then it fails by design. */
        final Map<String, LongAdder> pinnedFailuresByType = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();
        final AtomicLong longestBorrow = new AtomicLong();
        final AtomicLong longestExecute = new AtomicLong();
        final List<Future<?>> futures = new ArrayList<>();
        long startNanos;
        long millis;

        Run(int opsEach) {
            this.opsEach = opsEach;
            this.total = BORROWERS * opsEach;
        }

        void start(Runnable alongside) {
            borrowers = VirtualThreads.executor("vt-borrower", BORROWERS);
            CountDownLatch go = new CountDownLatch(1);
            for (int b = 0; b < BORROWERS; b++) {
                int id = b;
                futures.add(borrowers.submit(() -> {
                    if (VirtualThreads.currentIsVirtual()) {
                        onVirtualThreads.incrementAndGet();
                    }
                    go.await();
                    for (int op = 0; op < opsEach; op++) {
                        String line = "v" + id + "-" + op;
                        int kind = op % 3;
                        try {
                            String answer = switch (kind) {
                                case 0 -> viaExecute(line);
                                case 1 -> viaBorrow(line, null);
                                default -> viaBorrow(line, servers.get((id + op) % SERVERS).address());
                            };
                            if (answer.equals(line)) {
                                succeeded.incrementAndGet();
                            } else {
                                wrongAnswers.add("sent " + line + ", got " + answer);
                            }
                        } catch (PoolException | LeasedRoundTripFailed e) {
                            (kind == 2 ? pinnedFailuresByType : failuresByType)
                                    .computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                        } catch (Throwable t) {
                            unexpected.add(t);
                        } finally {
                            done.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            startNanos = System.nanoTime();
            alongside.run();
            go.countDown();
        }

        void awaitDone() throws Exception {
            long deadline = startNanos + RUN_LIMIT.toNanos();
            try {
                for (Future<?> f : futures) {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } catch (TimeoutException e) {
                throw new AssertionError("borrowers not done within " + RUN_LIMIT + " (a deadlock, or starved): "
                        + summary(), e);
            } finally {
                finished.set(true);
                millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            }
            borrowers.shutdown();
            assertThat(borrowers.awaitTermination(10, TimeUnit.SECONDS)).as("borrower threads ended").isTrue();
        }

        private String viaExecute(String line) {
            long t0 = System.nanoTime();
            try {
                return pool.execute(c -> Lines.roundTrip(c, line));
            } finally {
                longestExecute.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }
        }

        /** borrow() or borrow(server), round trip, return; an IOException invalidates the lease. */
        private String viaBorrow(String line, ServerAddress server) throws LeasedRoundTripFailed {
            long t0 = System.nanoTime();
            Lease<SocketConnection> lease;
            try {
                lease = server == null ? pool.borrow() : pool.borrow(server);
            } finally {
                longestBorrow.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }
            try (lease) {
                try {
                    return Lines.roundTrip(lease.connection(), line);
                } catch (IOException e) {
                    lease.invalidate();
                    throw new LeasedRoundTripFailed(e);
                }
            }
        }

        /** Failures of execute() and borrow(). */
        long failures() {
            return failuresByType.values().stream().mapToLong(LongAdder::sum).sum();
        }

        /** Failures of borrow(server). */
        long pinnedFailures() {
            return pinnedFailuresByType.values().stream().mapToLong(LongAdder::sum).sum();
        }

        String summary() {
            return done.get() + " of " + total + " calls in " + millis + " ms, " + succeeded.get() + " succeeded, "
                    + onVirtualThreads.get() + " of " + BORROWERS + " borrowers on virtual threads, failures of execute() "
                    + "and borrow() " + failuresByType + ", of borrow(server) " + pinnedFailuresByType + ", longest borrow " + TimeUnit.NANOSECONDS.toMillis(longestBorrow.get())
                    + " ms, longest execute " + TimeUnit.NANOSECONDS.toMillis(longestExecute.get()) + " ms, stats "
                    + pool.stats();
        }

        void assertBounded() {
            assertThat(done.get()).as("calls done (%s)", summary()).isEqualTo(total);
            assertThat(unexpected).as("exceptions other than PoolException (%s)", summary()).isEmpty();
            assertThat(wrongAnswers).as("answers out of step").isEmpty();
            assertThat(onVirtualThreads.get()).as("borrowers on virtual threads")
                    .isEqualTo(VirtualThreads.available() ? BORROWERS : 0);
            assertThat(longestBorrow.get()).as("longest borrow, bound %d ms (%s)",
                    TimeUnit.NANOSECONDS.toMillis(BORROW_BOUND), summary()).isLessThanOrEqualTo(BORROW_BOUND);
            assertThat(longestExecute.get()).as("longest execute, bound %d ms (%s)",
                    TimeUnit.NANOSECONDS.toMillis(EXECUTE_BOUND), summary()).isLessThanOrEqualTo(EXECUTE_BOUND);
        }
    }

    /** A round trip on a leased connection failed: the server went away while the lease was out. */
    private static final class LeasedRoundTripFailed extends Exception {
        private static final long serialVersionUID = 1L;

        LeasedRoundTripFailed(IOException cause) {
            super(cause);
        }
    }

    private void assertQuietAndClosedClean() {
        soon(Duration.ofSeconds(5)).untilAsserted(() -> {
            PoolStats stats = pool.stats();
            for (ServerStats s : stats.servers()) {
                assertThat(s.active()).as("active of %s", s).isZero();
                assertThat(s.created() - s.destroyed()).as("created - destroyed of %s", s)
                        .isEqualTo(s.active() + s.idle());
                assertThat(s.idle()).as("idle of %s", s).isBetween(0, MAX_ACTIVE);
            }
            assertThat(stats.servers().stream().mapToLong(ServerStats::created).sum()).isEqualTo(factory.created.get());
            assertThat(stats.servers().stream().mapToLong(ServerStats::destroyed).sum()).isEqualTo(factory.destroyed.get());
        });

        pool.close();

        assertThat(factory.created.get()).as("connections made").isPositive();
        assertThat(factory.destroyed.get()).as("every connection destroyed").isEqualTo(factory.created.get());
        assertThat(factory.live()).isZero();
        assertThat(factory.errors).as("destroyed twice or never created").isEmpty();
        for (ServerStats s : pool.stats().servers()) {
            assertThat(s.created()).as("created of %s", s).isEqualTo(s.destroyed());
            assertThat(s.active() + s.idle()).as("after close: %s", s).isZero();
        }
        for (TestServer server : servers) {
            soon(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(server.openConnections()).as("open connections of %s", server).isZero());
        }
        soon(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(t -> t.getName().startsWith("connpool-") && t.isAlive())
                .extracting(Thread::getName)
                .isEmpty());
    }

    private static void restart(TestServer server) {
        // the port is ours; binding it again may take a moment while the old sockets close
        soon(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
            server.restart();
            return server.isRunning();
        });
    }

    private boolean anotherRunningServerIsActive(TestServer server) {
        PoolStats stats = pool.stats();
        for (TestServer other : servers) {
            if (other != server && other.isRunning() && stats.server(other.address()).state() == ServerState.ACTIVE) {
                return true;
            }
        }
        return false;
    }
}
