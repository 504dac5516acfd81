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
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * 16 threads borrow and execute round trips over 3 servers while a chaos thread stops and restarts them
 * (never all three at once). Failures are allowed while servers bounce, but few, and only as
 * {@link PoolException}s; afterwards the books must balance and close must leave nothing behind.
 */
class ConcurrencyTest {

    private static final int THREADS = 16;
    private static final int OPS_PER_THREAD = 300;
    private static final int TOTAL_OPS = THREADS * OPS_PER_THREAD;
    private static final int SERVERS = 3;
    /** Chaos steps, one per {@link #OPS_PER_STEP} operations done, so they all happen while the workers run. */
    private static final int CHAOS_STEPS = 40;
    private static final int OPS_PER_STEP = TOTAL_OPS / (CHAOS_STEPS + 20);
    private static final double MAX_FAILURE_RATE = 0.05;
    /** The workers stop after this long even if not done (the test then fails): bounded time, always. */
    private static final Duration RUN_LIMIT = Duration.ofSeconds(20);

    private final List<TestServer> servers = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;
    private ExecutorService workers;

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
        if (workers != null) {
            workers.shutdownNow();
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
    }

    /**
     * "plain" uses the settings above alone; "evictor-and-min-idle" also runs commons-pool2's evictor
     * (validating and evicting idle connections) and connpool's min-idle refill every 10 ms, so background
     * validation, eviction and refill race with the borrowers and the chaos.
     */
    @ParameterizedTest(name = "{0}, seed {1}")
    @CsvSource({"plain, 1", "plain, 2", "evictor-and-min-idle, 3"})
    void borrowersSurviveServersBouncing(String variant, long seed) throws Exception {
        MultiPool.Builder<SocketConnection> builder = MultiPool.builder(factory).name("chaos-" + variant)
                .servers(servers.stream().map(TestServer::address).toList())
                .maxActive(4).maxIdle(4)
                .maxWait(Duration.ofSeconds(2))
                .retryAttempts(3)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(20), 2.0, 0.2)
                // failover under chaos is the subject, not the retry budget (RetryBudgetOverSocketsTest): unlimited
                .retryBudgetRatio(RetryBudget.MAX_RATIO)
                .ejection(2, Duration.ofMillis(50), Duration.ofMillis(400), 50)
                .shutdownTimeout(Duration.ofSeconds(5));
        if (variant.equals("evictor-and-min-idle")) {
            builder.idleTimeout(Duration.ofMillis(40)).minIdle(1).housekeepingInterval(Duration.ofMillis(10));
        }
        pool = builder.build();

        AtomicInteger done = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        Map<String, LongAdder> failuresByType = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> badStats = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        // The chaos thread meters the work: the workers may run at most two steps' worth of operations ahead
        // of it, so every chaos step lands while operations are under way, however fast or loaded the machine.
        Semaphore budget = new Semaphore(2 * OPS_PER_STEP);
        long start = System.nanoTime();
        long deadline = start + RUN_LIMIT.toNanos();

        workers = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "chaos-worker");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
            int worker = w;
            futures.add(workers.submit(() -> {
                go.await();
                for (int op = 0; op < OPS_PER_THREAD && System.nanoTime() - deadline < 0; op++) {
                    if (!budget.tryAcquire(RUN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        break; // the chaos thread died: the assertions below report it
                    }
                    String line = "w" + worker + "-op" + op;
                    try {
                        String answer = op % 2 == 0 ? viaExecute(line) : viaBorrow(line);
                        if (answer.equals(line)) {
                            succeeded.incrementAndGet();
                        } else {
                            wrongAnswers.add("sent " + line + ", got " + answer);
                        }
                    } catch (PoolException | LeasedRoundTripFailed e) {
                        failuresByType.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                    } catch (Throwable t) {
                        unexpected.add(t);
                    } finally {
                        done.incrementAndGet();
                    }
                }
                return null;
            }));
        }

        // The chaos: one step per OPS_PER_STEP operations done. A step picks a server at random and stops it
        // if it runs, or restarts it. It never stops the last running server, and stops one only while another
        // running server is ACTIVE in the pool: a server that was restarted but is still ejected cannot serve,
        // and with the others down every borrow would fail by design until its ejection ends.
        AtomicBoolean workersFinished = new AtomicBoolean();
        AtomicInteger chaosSteps = new AtomicInteger();
        AtomicInteger stops = new AtomicInteger();
        AtomicInteger twoDown = new AtomicInteger();
        AtomicInteger doneAtLastStep = new AtomicInteger();
        Thread chaos = new Thread(() -> {
            Random random = new Random(seed);
            for (int step = 1; step <= CHAOS_STEPS; step++) {
                int due = step * OPS_PER_STEP;
                soon(RUN_LIMIT.plusSeconds(5)).until(() -> done.get() >= due || workersFinished.get()
                        || System.nanoTime() - deadline >= 0);
                if (workersFinished.get() || System.nanoTime() - deadline >= 0) {
                    return;
                }
                TestServer server = servers.get(random.nextInt(SERVERS));
                if (server.isRunning()) {
                    if (anotherRunningServerIsActive(server)) {
                        server.stop();
                        stops.incrementAndGet();
                    }
                } else {
                    restart(server);
                }
                if (servers.stream().filter(TestServer::isRunning).count() == 1) {
                    twoDown.incrementAndGet();
                }
                checkStats(badStats);
                chaosSteps.incrementAndGet();
                doneAtLastStep.set(done.get());
                budget.release(step == CHAOS_STEPS ? TOTAL_OPS : OPS_PER_STEP);
            }
        }, "chaos-monkey");
        chaos.setDaemon(true);
        AtomicReference<Throwable> chaosError = new AtomicReference<>();
        chaos.setUncaughtExceptionHandler((t, e) -> chaosError.set(e));

        chaos.start();
        go.countDown();
        chaos.join(RUN_LIMIT.plusSeconds(10).toMillis());
        assertThat(chaos.isAlive()).as("chaos thread finished").isFalse();
        assertThat(chaosError.get()).as("chaos thread error").isNull();
        servers.forEach(ConcurrencyTest::restart);
        for (Future<?> f : futures) {
            f.get(RUN_LIMIT.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        }
        workersFinished.set(true);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        long failures = failuresByType.values().stream().mapToLong(LongAdder::sum).sum();
        String summary = variant + " seed " + seed + ": " + done.get() + " operations in " + millis + " ms, "
                + succeeded.get() + " succeeded, failures " + failuresByType + ", chaos steps " + chaosSteps.get()
                + " (stops " + stops.get() + ", steps with two servers down " + twoDown.get() + "), stats "
                + pool.stats();
        System.out.println("ConcurrencyTest " + summary);

        assertThat(done.get()).as("operations done within %s (%s)", RUN_LIMIT, summary).isEqualTo(TOTAL_OPS);
        assertThat(unexpected).as("exceptions other than PoolException (%s)", summary).isEmpty();
        assertThat(wrongAnswers).as("answers out of step (%s)", summary).isEmpty();
        assertThat(badStats).as("impossible stats seen during the run (%s)", summary).isEmpty();
        assertThat(chaosSteps.get()).as("chaos steps").isEqualTo(CHAOS_STEPS);
        assertThat(doneAtLastStep.get()).as("operations done at the last chaos step").isLessThan(TOTAL_OPS);
        assertThat(succeeded.get() + failures).isEqualTo(TOTAL_OPS);
        assertThat(failures).as("failures (%s)", summary).isLessThan((long) (TOTAL_OPS * MAX_FAILURE_RATE));
        assertThat(pool.stats().servers()).hasSize(SERVERS);

        // quiet now: every server's books balance, nothing is leased
        soon(Duration.ofSeconds(5)).untilAsserted(() -> {
            PoolStats stats = pool.stats();
            for (ServerStats s : stats.servers()) {
                assertThat(s.active()).as("active of %s", s).isZero();
                assertThat(s.created() - s.destroyed()).as("created - destroyed of %s", s)
                        .isEqualTo(s.active() + s.idle());
                assertNotNegative(s);
            }
            assertThat(stats.servers().stream().mapToLong(ServerStats::created).sum())
                    .isEqualTo(factory.created.get());
            assertThat(stats.servers().stream().mapToLong(ServerStats::destroyed).sum())
                    .isEqualTo(factory.destroyed.get());
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

    private String viaExecute(String line) {
        return pool.execute(c -> Lines.roundTrip(c, line));
    }

    /** Borrow, round trip, return; an IOException on the lease invalidates it and counts as a failure. */
    private String viaBorrow(String line) throws LeasedRoundTripFailed {
        try (Lease<SocketConnection> lease = pool.borrow()) {
            try {
                return Lines.roundTrip(lease.connection(), line);
            } catch (IOException e) {
                lease.invalidate();
                throw new LeasedRoundTripFailed(e);
            }
        }
    }

    /** A round trip on a leased connection failed: the server went away while the lease was out. */
    private static final class LeasedRoundTripFailed extends Exception {
        private static final long serialVersionUID = 1L;

        LeasedRoundTripFailed(IOException cause) {
            super(cause);
        }
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

    private void checkStats(ConcurrentLinkedQueue<String> badStats) {
        for (ServerStats s : pool.stats().servers()) {
            if (s.active() < 0 || s.idle() < 0 || s.waiting() < 0 || s.created() < 0 || s.destroyed() < 0
                    || s.borrowed() < 0 || s.failures() < 0 || s.ejections() < 0) {
                badStats.add(s.toString());
            }
        }
    }

    private static void assertNotNegative(ServerStats s) {
        assertThat(s.active()).as("active of %s", s).isNotNegative();
        assertThat(s.idle()).as("idle of %s", s).isNotNegative();
        assertThat(s.waiting()).as("waiting of %s", s).isNotNegative();
        assertThat(s.created()).as("created of %s", s).isNotNegative();
        assertThat(s.destroyed()).as("destroyed of %s", s).isNotNegative();
        assertThat(s.borrowed()).as("borrowed of %s", s).isNotNegative();
        assertThat(s.failures()).as("failures of %s", s).isNotNegative();
        assertThat(s.ejections()).as("ejections of %s", s).isNotNegative();
    }
}
