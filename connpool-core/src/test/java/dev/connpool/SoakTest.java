package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The soak test: {@value #BORROWERS} threads borrow from {@value #SERVERS} {@link TestServer}s for
 * {@code connpool.soak.duration} (ISO-8601 such as {@code PT10M}, or seconds; default
 * {@link #DEFAULT_DURATION}) while a chaos thread, driven by a seeded {@link Random}
 * ({@code connpool.soak.seed}), stops and restarts servers, makes them hang and answer again, and closes
 * or resets their open connections. At most {@value #MAX_UNHEALTHY} servers are stopped or hanging at
 * once, so most servers always serve.
 *
 * <p>Each borrower mixes {@code borrow()} with a round trip (the lease invalidated on an
 * {@link IOException}), {@code execute()} and {@code borrow(server)}, and times every call. Checked:
 * <ul>
 * <li>every error is a {@link PoolException}, or an {@code IOException} of a round trip on a leased
 *     connection whose server the chaos had just broken; nothing else (no NPE, no IllegalStateException);</li>
 * <li>every answer is the line sent;</li>
 * <li>no call took longer than the bound of {@link MultiPool}'s Javadoc plus {@code connpool.soak.margin}
 *     (default {@link #DEFAULT_MARGIN}): {@code attempts x (max-wait + connect timeout) + (attempts - 1) x
 *     backoff.max} for {@code borrow()}, one attempt for {@code borrow(server)}, and for {@code execute()}
 *     the read timeout of the work once per attempt on top;</li>
 * <li>once the borrowers stopped: per server {@code created - destroyed == active + idle} and
 *     {@code active == 0}; after {@code close()} every connection made was destroyed exactly once, the
 *     servers hold no connection, and no {@code connpool-} thread is left;</li>
 * <li>the heap after a full GC did not grow from the end of the first minute (for runs shorter than four
 *     minutes: the end of the first quarter) to the end by more than {@link #heapTolerance the larger of 20%
 *     and 16 MB}.</li>
 * </ul>
 * The figures (duration, calls, errors by type, longest waits, heap) are printed and written to
 * {@code target/soak-report.txt}.
 *
 * <p>{@code ./mvnw -B -q test -pl connpool-core -Dtest=SoakTest -Dconnpool.soak.duration=PT10M}
 */
class SoakTest {

    static final int BORROWERS = 32;
    static final int SERVERS = 5;
    static final int MAX_UNHEALTHY = 2;
    static final Duration DEFAULT_DURATION = Duration.ofSeconds(20);
    /** Scheduling and GC on a shared 2-core machine, the full GCs of the heap samples included. */
    static final Duration DEFAULT_MARGIN = Duration.ofSeconds(1);
    static final long DEFAULT_SEED = 20_240_601L;

    static final int MAX_ACTIVE = 4;
    static final int ATTEMPTS = 3;
    static final Duration MAX_WAIT = Duration.ofMillis(500);
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    static final Duration BACKOFF_MIN = Duration.ofMillis(5);
    static final Duration BACKOFF_MAX = Duration.ofMillis(100);
    /** A leased connection's IOException counts as explained by a fault of its server this much before the borrow. */
    static final Duration FAULT_SLACK = Duration.ofSeconds(1);

    static final long MB = 1024 * 1024;

    private final List<TestServer> servers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private MultiPool<SocketConnection> pool;

    enum Op {
        BORROW("borrow() + round trip"), EXECUTE("execute(round trip)"), BORROW_SERVER("borrow(server) + round trip");

        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    enum Health { HEALTHY, STOPPED, HUNG }

    @AfterEach
    void cleanUp() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
    }

    @Test
    void poolHoldsUpUnderChaosForTheSoakDuration() throws Exception {
        Duration duration = duration(System.getProperty("connpool.soak.duration"), DEFAULT_DURATION);
        Duration margin = duration(System.getProperty("connpool.soak.margin"), DEFAULT_MARGIN);
        long seed = Long.getLong("connpool.soak.seed", DEFAULT_SEED);
        Duration heapBaselineAt = duration.dividedBy(4).compareTo(Duration.ofMinutes(1)) < 0
                ? duration.dividedBy(4) : Duration.ofMinutes(1);

        for (int i = 0; i < SERVERS; i++) {
            servers.add(TestServer.start());
        }
        LeanCountingFactory factory = new LeanCountingFactory(SocketConnectionFactory.builder()
                .connectTimeout(CONNECT_TIMEOUT).readTimeout(READ_TIMEOUT).build());
        pool = MultiPool.builder(factory).name("soak")
                .servers(servers.stream().map(TestServer::address).toList())
                .maxActive(MAX_ACTIVE).minIdle(1)
                .maxWait(MAX_WAIT)
                .idleTimeout(Duration.ofSeconds(2)).maxLifetime(Duration.ofSeconds(10))
                .housekeepingInterval(Duration.ofMillis(100))
                .retryAttempts(ATTEMPTS)
                .backoff(BACKOFF_MIN, BACKOFF_MAX, 2.0, 0.2)
                .ejection(2, Duration.ofMillis(100), Duration.ofSeconds(2), 40)
                .shutdownTimeout(Duration.ofSeconds(5))
                .build();
        long borrowBound = ATTEMPTS * (MAX_WAIT.toNanos() + CONNECT_TIMEOUT.toNanos())
                + (ATTEMPTS - 1) * BACKOFF_MAX.toNanos() + margin.toNanos();
        long borrowServerBound = MAX_WAIT.toNanos() + CONNECT_TIMEOUT.toNanos() + margin.toNanos();
        long executeBound = ATTEMPTS * (MAX_WAIT.toNanos() + CONNECT_TIMEOUT.toNanos() + READ_TIMEOUT.toNanos())
                + (ATTEMPTS - 1) * BACKOFF_MAX.toNanos() + margin.toNanos();
        Map<Op, Long> bounds = new EnumMap<>(Map.of(Op.BORROW, borrowBound, Op.BORROW_SERVER, borrowServerBound,
                Op.EXECUTE, executeBound));

        long heapAtStart = settledHeapUsed();
        Chaos chaos = new Chaos(seed);
        Record record = new Record();
        long start = System.nanoTime();
        long end = start + duration.toNanos();

        for (int b = 0; b < BORROWERS; b++) {
            Borrower borrower = new Borrower(b, seed + b, chaos, record);
            threads.add(daemon("soak-borrower-" + b, borrower));
        }
        Thread chaosThread = daemon("soak-chaos", () -> chaos.run(end));
        threads.add(chaosThread);
        threads.forEach(Thread::start);

        sleepUntil(start + heapBaselineAt.toNanos());
        long heapBaseline = settledHeapUsed();
        long borrowsAtBaseline = pool.stats().servers().stream().mapToLong(ServerStats::borrowed).sum();
        Instant baselineTaken = Instant.now();
        sleepUntil(end);

        stop.set(true);
        long joinLimit = System.nanoTime() + executeBound + TimeUnit.SECONDS.toNanos(10);
        List<String> stuck = new ArrayList<>();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinLimit - System.nanoTime())));
            if (t.isAlive()) {
                stuck.add(t.getName() + " " + List.of(t.getStackTrace()));
            }
        }
        Duration ran = Duration.ofNanos(System.nanoTime() - start);
        chaos.healAll();

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(stuck).as("threads still running %s after the end", Duration.ofNanos(executeBound)).isEmpty();
        softly.assertThat(chaos.error.get()).as("chaos thread error").isNull();

        // Quiet now: the books of every server balance and nothing is leased (the housekeeper and the evictor
        // may still be opening and closing idle connections, hence the retries).
        PoolStats quiet = null;
        try {
            soon(Duration.ofSeconds(10)).untilAsserted(() -> {
                PoolStats stats = pool.stats();
                for (ServerStats s : stats.servers()) {
                    assertThat(s.active()).as("active of %s", s).isZero();
                    assertThat(s.created() - s.destroyed()).as("created - destroyed of %s", s)
                            .isEqualTo(s.active() + s.idle());
                }
                assertThat(stats.servers().stream().mapToLong(ServerStats::created).sum())
                        .as("created, pool vs factory").isEqualTo(factory.created.get());
                assertThat(stats.servers().stream().mapToLong(ServerStats::destroyed).sum())
                        .as("destroyed, pool vs factory").isEqualTo(factory.destroyed.get());
            });
        } catch (AssertionError e) {
            softly.fail("books do not balance once the borrowers stopped: " + e.getMessage());
        }
        quiet = pool.stats();
        long heapAtEnd = settledHeapUsed();
        long tolerance = heapTolerance(heapBaseline);

        pool.close();
        softly.assertThat(factory.created.get()).as("connections made").isPositive();
        softly.assertThat(factory.destroyed.get()).as("connections destroyed after close").isEqualTo(factory.created.get());
        softly.assertThat(factory.live.size()).as("connections not destroyed after close").isZero();
        softly.assertThat(factory.errors).as("destroyed twice or never created").isEmpty();
        PoolStats closed = pool.stats();
        for (ServerStats s : closed.servers()) {
            softly.assertThat(s.created()).as("created vs destroyed of %s after close", s).isEqualTo(s.destroyed());
            softly.assertThat(s.active() + s.idle()).as("connections of %s after close", s).isZero();
        }
        for (TestServer server : servers) {
            try {
                soon(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
            } catch (AssertionError e) {
                softly.fail(server + " still has " + server.openConnections() + " open connection(s) after close");
            }
        }
        try {
            soon(Duration.ofSeconds(5)).until(() -> connpoolThreads().isEmpty());
        } catch (AssertionError e) {
            softly.fail("connpool threads alive after close: " + connpoolThreads());
        }

        for (Op op : Op.values()) {
            softly.assertThat(record.maxNanos(op)).as("longest %s, bound %d ms", op.label,
                    TimeUnit.NANOSECONDS.toMillis(bounds.get(op))).isLessThanOrEqualTo(bounds.get(op));
            softly.assertThat(record.succeeded(op)).as("%s succeeded", op.label).isPositive();
        }
        softly.assertThat(record.unexpected).as("errors other than PoolException or an explained IOException on a lease")
                .isEmpty();
        softly.assertThat(record.unexplained).as("IOExceptions on leases whose server was not broken").isEmpty();
        softly.assertThat(record.wrongAnswers).as("answers out of step").isEmpty();
        softly.assertThat(chaos.badStats).as("impossible stats seen during the run").isEmpty();
        softly.assertThat(heapAtEnd - heapBaseline).as("heap growth from %d MB at %s to the end, tolerance %d MB",
                heapBaseline / MB, heapBaselineAt, tolerance / MB).isLessThanOrEqualTo(tolerance);

        String report = report(duration, ran, seed, margin, bounds, record, chaos, quiet, factory, heapAtStart,
                heapBaseline, heapBaselineAt, baselineTaken, borrowsAtBaseline, heapAtEnd, tolerance,
                softly.errorsCollected());
        System.out.println(report);
        Path file = Paths.get(System.getProperty("basedir", "."), "target", "soak-report.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, report, StandardCharsets.UTF_8);
        softly.assertAll();
    }

    /**
     * The heap growth allowed from the baseline to the end: 20% of the baseline, but at least 16 MB. The
     * baseline after a full GC is some tens of MB here (JUnit, AssertJ, the servers' and the pool's objects),
     * so 20% alone would be a few MB: as much as the noise of a full GC's result (the JIT's and the GC's
     * own objects, thread-local caches, a few leases in flight at the moment of the sample). A leak of
     * per-call objects shows up anyway: at thousands of calls a second, 16 MB over ten minutes is a few bytes
     * per call, and a leak of connections (each with two 8 KB buffers) passes 16 MB with about a thousand of
     * them.
     */
    static long heapTolerance(long baseline) {
        return Math.max(baseline / 5, 16 * MB);
    }

    /** Heap used after full GCs, repeated until two readings agree within 1% or 256 KB (at most 6 GCs). */
    static long settledHeapUsed() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long previous = -1;
        long used = 0;
        for (int i = 0; i < 6; i++) {
            memory.gc();
            used = memory.getHeapMemoryUsage().getUsed();
            if (previous >= 0 && Math.abs(used - previous) <= Math.max(256 * 1024, previous / 100)) {
                return Math.min(used, previous);
            }
            previous = used;
        }
        return used;
    }

    /** ISO-8601 ({@code PT10M}) or seconds ({@code 600}, {@code 2.5}). */
    static Duration duration(String text, Duration fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        String t = text.trim();
        if (t.matches("\\d+(\\.\\d+)?")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        }
        return Duration.parse(t.toUpperCase(Locale.ROOT));
    }

    // ---- the borrowers -------------------------------------------------------------------------------------

    /** What the borrowers saw. */
    static final class Record {
        final Map<Op, LongAdder> calls = new EnumMap<>(Op.class);
        final Map<Op, LongAdder> succeeded = new EnumMap<>(Op.class);
        final Map<Op, AtomicLong> maxNanos = new EnumMap<>(Op.class);
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        /** The slowest calls: "op elapsed outcome", ten at most. */
        final List<Slow> slowest = new ArrayList<>();
        final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> unexplained = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();
        final AtomicInteger dropped = new AtomicInteger();
        /** Calls by elapsed time: < 10 ms, < 100 ms, < 1 s, < 2 s, >= 2 s. */
        final LongAdder[] histogram = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

        record Slow(Op op, long nanos, String outcome, String thread) {
        }

        Record() {
            for (Op op : Op.values()) {
                calls.put(op, new LongAdder());
                succeeded.put(op, new LongAdder());
                maxNanos.put(op, new AtomicLong());
            }
        }

        void timed(Op op, long nanos, String outcome) {
            calls.get(op).increment();
            maxNanos.get(op).accumulateAndGet(nanos, Math::max);
            long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
            histogram[ms < 10 ? 0 : ms < 100 ? 1 : ms < 1_000 ? 2 : ms < 2_000 ? 3 : 4].increment();
            if (ms >= 100) {
                synchronized (slowest) {
                    if (slowest.size() < 10 || nanos > slowest.get(slowest.size() - 1).nanos) {
                        slowest.add(new Slow(op, nanos, outcome, Thread.currentThread().getName()));
                        slowest.sort(Comparator.comparingLong(Slow::nanos).reversed());
                        if (slowest.size() > 10) {
                            slowest.remove(10);
                        }
                    }
                }
            }
        }

        void error(String type) {
            errors.computeIfAbsent(type, k -> new LongAdder()).increment();
        }

        /** Keeps the first 20 problems of a kind, counts the rest (the queue must not grow over a long run). */
        void keep(ConcurrentLinkedQueue<String> queue, String problem) {
            if (queue.size() < 20) {
                queue.add(problem);
            } else {
                dropped.incrementAndGet();
            }
        }

        long maxNanos(Op op) {
            return maxNanos.get(op).get();
        }

        long calls(Op op) {
            return calls.get(op).sum();
        }

        long succeeded(Op op) {
            return succeeded.get(op).sum();
        }
    }

    private final class Borrower implements Runnable {
        private final int id;
        private final Random random;
        private final Chaos chaos;
        private final Record record;
        private long n;

        Borrower(int id, long seed, Chaos chaos, Record record) {
            this.id = id;
            this.random = new Random(seed);
            this.chaos = chaos;
            this.record = record;
        }

        @Override
        public void run() {
            while (!stop.get()) {
                int dice = random.nextInt(10);
                Op op = dice < 4 ? Op.BORROW : dice < 8 ? Op.EXECUTE : Op.BORROW_SERVER;
                String line = "b" + id + "-" + n++;
                try {
                    switch (op) {
                        case BORROW -> leased(op, line, null);
                        case BORROW_SERVER -> leased(op, line, servers.get(random.nextInt(SERVERS)).address());
                        default -> execute(line);
                    }
                } catch (Throwable t) {
                    record.error("unexpected " + t.getClass().getName());
                    record.keep(record.unexpected, op.label + ": " + stackTrace(t));
                }
            }
        }

        private void execute(String line) {
            long t0 = System.nanoTime();
            String answer;
            try {
                answer = pool.execute(c -> Lines.roundTrip(c, line));
            } catch (PoolException e) {
                record.timed(Op.EXECUTE, System.nanoTime() - t0, e.getClass().getSimpleName());
                record.error(e.getClass().getSimpleName());
                if (e instanceof CallbackFailedException && !(e.getCause() instanceof IOException)) {
                    record.keep(record.unexpected, "execute: a CallbackFailedException not caused by an IOException: "
                            + stackTrace(e));
                }
                return;
            }
            record.timed(Op.EXECUTE, System.nanoTime() - t0, "ok");
            check(Op.EXECUTE, line, answer);
        }

        /** borrow() or borrow(server), then one round trip; an IOException invalidates the lease. */
        private void leased(Op op, String line, ServerAddress server) {
            long t0 = System.nanoTime();
            Lease<SocketConnection> lease;
            try {
                lease = server == null ? pool.borrow() : pool.borrow(server);
            } catch (PoolException e) {
                record.timed(op, System.nanoTime() - t0, e.getClass().getSimpleName());
                record.error(e.getClass().getSimpleName());
                return;
            }
            record.timed(op, System.nanoTime() - t0, "ok");
            try (lease) {
                String answer;
                try {
                    answer = Lines.roundTrip(lease.connection(), line);
                } catch (IOException e) {
                    lease.invalidate();
                    long now = System.nanoTime();
                    record.error("IOException on a lease (" + e.getClass().getSimpleName() + ")");
                    String why = chaos.explain(lease.server(), t0, now);
                    if (why == null) {
                        record.keep(record.unexplained, op.label + " on " + lease.server() + " ("
                                + chaos.describe(lease.server(), now) + "): " + e);
                    }
                    return;
                }
                check(op, line, answer);
            }
        }

        private void check(Op op, String line, String answer) {
            if (answer.equals(line)) {
                record.succeeded.get(op).increment();
            } else {
                record.error("wrong answer");
                record.keep(record.wrongAnswers, op.label + ": sent " + line + ", got " + answer);
            }
        }
    }

    // ---- the chaos -----------------------------------------------------------------------------------------

    /** Breaks and heals servers at random; remembers when, to tell which failures it explains. */
    private final class Chaos {
        final Random random;
        /** Written by the chaos thread only; read by the borrowers to explain their failures. */
        final AtomicReferenceArray<Health> health = new AtomicReferenceArray<>(SERVERS);
        /** When each server was last broken (stopped, hung, closed or reset), stamped before the deed. */
        final AtomicLongArray lastFault = new AtomicLongArray(SERVERS);
        /** When each server last became healthy again, stamped after the deed (and before it reads healthy). */
        final AtomicLongArray lastRecovery = new AtomicLongArray(SERVERS);
        final Map<String, AtomicInteger> deeds = new TreeMap<>();
        final AtomicInteger steps = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final ConcurrentLinkedQueue<String> badStats = new ConcurrentLinkedQueue<>();
        final AtomicInteger mostUnhealthy = new AtomicInteger();

        Chaos(long seed) {
            this.random = new Random(seed);
            long now = System.nanoTime();
            for (int i = 0; i < SERVERS; i++) {
                health.set(i, Health.HEALTHY);
                lastFault.set(i, now - TimeUnit.HOURS.toNanos(1));
                lastRecovery.set(i, now - TimeUnit.HOURS.toNanos(1));
            }
            for (String deed : List.of("stop", "restart", "hang", "answer", "closeAll", "resetAll")) {
                deeds.put(deed, new AtomicInteger());
            }
        }

        void run(long end) {
            try {
                while (!stop.get() && System.nanoTime() - end < 0) {
                    Thread.sleep(50 + random.nextInt(350));
                    step();
                    checkStats();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                error.set(t);
            }
        }

        private void step() {
            int i = random.nextInt(SERVERS);
            TestServer server = servers.get(i);
            int unhealthy = unhealthy();
            int dice = random.nextInt(10);
            switch (health.get(i)) {
                case STOPPED -> {
                    if (dice < 6) {
                        restart(server);
                        recovered(i, "restart");
                    }
                }
                case HUNG -> {
                    if (dice < 6) {
                        server.answer();
                        recovered(i, "answer");
                    }
                }
                default -> {
                    if (dice < 3 && unhealthy < MAX_UNHEALTHY) {
                        broken(i, Health.STOPPED, "stop");
                        server.stop();
                    } else if (dice < 6 && unhealthy < MAX_UNHEALTHY) {
                        broken(i, Health.HUNG, "hang");
                        server.hang();
                    } else if (dice < 8) {
                        broken(i, Health.HEALTHY, "closeAll");
                        server.closeAll();
                    } else {
                        broken(i, Health.HEALTHY, "resetAll");
                        server.resetAll();
                    }
                }
            }
            mostUnhealthy.accumulateAndGet(unhealthy(), Math::max);
            steps.incrementAndGet();
        }

        private int unhealthy() {
            int n = 0;
            for (int i = 0; i < SERVERS; i++) {
                n += health.get(i) == Health.HEALTHY ? 0 : 1;
            }
            return n;
        }

        /** Before the deed: the failures it causes find it stamped. */
        private void broken(int i, Health state, String deed) {
            lastFault.set(i, System.nanoTime());
            health.set(i, state);
            deeds.get(deed).incrementAndGet();
        }

        /** After the deed. */
        private void recovered(int i, String deed) {
            lastRecovery.set(i, System.nanoTime());
            health.set(i, Health.HEALTHY);
            deeds.get(deed).incrementAndGet();
        }

        /** Why an IOException on a lease of {@code server} borrowed at {@code since} is no surprise, or null. */
        String explain(ServerAddress server, long since, long now) {
            int i = index(server);
            if (i < 0) {
                return null;
            }
            Health h = health.get(i);
            if (h != Health.HEALTHY) {
                return "it is " + h;
            }
            long fault = lastFault.get(i);
            if (fault - (since - FAULT_SLACK.toNanos()) >= 0 && fault - now <= 0) {
                return "broken " + TimeUnit.NANOSECONDS.toMillis(now - fault) + " ms ago";
            }
            if (lastRecovery.get(i) - since >= 0) {
                return "unhealthy during the lease";
            }
            return null;
        }

        String describe(ServerAddress server, long now) {
            int i = index(server);
            return i < 0 ? "not a test server" : health.get(i) + ", last broken "
                    + TimeUnit.NANOSECONDS.toMillis(now - lastFault.get(i)) + " ms ago, healthy again "
                    + TimeUnit.NANOSECONDS.toMillis(now - lastRecovery.get(i)) + " ms ago";
        }

        private int index(ServerAddress server) {
            for (int i = 0; i < SERVERS; i++) {
                if (servers.get(i).address().equals(server)) {
                    return i;
                }
            }
            return -1;
        }

        /** After the chaos thread ended. */
        void healAll() {
            for (int i = 0; i < SERVERS; i++) {
                if (health.get(i) == Health.STOPPED) {
                    restart(servers.get(i));
                    recovered(i, "restart");
                } else if (health.get(i) == Health.HUNG) {
                    servers.get(i).answer();
                    recovered(i, "answer");
                }
            }
        }

        private void checkStats() {
            for (ServerStats s : pool.stats().servers()) {
                // The counts are read one after the other: only a negative one is impossible at any moment.
                if (s.active() < 0 || s.idle() < 0 || s.waiting() < 0 || s.created() < 0 || s.destroyed() < 0
                        || s.borrowed() < 0 || s.failures() < 0 || s.ejections() < 0) {
                    if (badStats.size() < 20) {
                        badStats.add(s.toString());
                    }
                }
            }
        }
    }

    private static void restart(TestServer server) {
        // the port is ours; binding it again may take a moment while the old sockets close
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .ignoreException(IOException.class).until(() -> {
                    server.restart();
                    return true;
                });
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static ConditionFactory soon(Duration atMost) {
        return await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
    }

    private static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
        }
    }

    private static List<String> connpoolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("connpool-") && t.isAlive()).map(Thread::getName).toList();
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private String report(Duration planned, Duration ran, long seed, Duration margin, Map<Op, Long> bounds,
                          Record record, Chaos chaos, PoolStats quiet, LeanCountingFactory factory, long heapAtStart,
                          long heapBaseline, Duration heapBaselineAt, Instant baselineTaken, long borrowsAtBaseline,
                          long heapAtEnd, long tolerance, List<Throwable> failures) {
        StringBuilder r = new StringBuilder();
        String nl = System.lineSeparator();
        r.append("connpool soak test, ").append(Instant.now()).append(nl);
        r.append("JDK ").append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
                .append("), ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, max heap ")
                .append(Runtime.getRuntime().maxMemory() / MB).append(" MB").append(nl);
        r.append("duration: ").append(planned).append(" planned, ").append(ran.toMillis()).append(" ms run; seed ")
                .append(seed).append(nl);
        r.append("setup: ").append(BORROWERS).append(" borrower threads, ").append(SERVERS).append(" servers, max-active ")
                .append(MAX_ACTIVE).append(" per server, max-wait ").append(MAX_WAIT.toMillis()).append(" ms, connect timeout ")
                .append(CONNECT_TIMEOUT.toMillis()).append(" ms, read timeout ").append(READ_TIMEOUT.toMillis())
                .append(" ms, attempts ").append(ATTEMPTS).append(", backoff ").append(BACKOFF_MIN.toMillis()).append("..")
                .append(BACKOFF_MAX.toMillis()).append(" ms, min-idle 1, idle-timeout 2 s, max-lifetime 10 s").append(nl);
        long calls = 0;
        for (Op op : Op.values()) {
            calls += record.calls(op);
        }
        r.append("calls: ").append(calls).append(" (").append(calls * 1000 / Math.max(1, ran.toMillis())).append("/s)").append(nl);
        for (Op op : Op.values()) {
            r.append(String.format(Locale.ROOT, "  %-28s %9d calls, %9d ok, longest %5d ms (bound %d ms)%n", op.label,
                    record.calls(op), record.succeeded(op), ms(record.maxNanos(op)), ms(bounds.get(op))));
        }
        long leases = quiet == null ? 0 : quiet.servers().stream().mapToLong(ServerStats::borrowed).sum();
        r.append("borrows done (leases the pool handed out, execute's included): ").append(leases).append(nl);
        r.append("max wait of a borrow: ").append(ms(Math.max(record.maxNanos(Op.BORROW), record.maxNanos(Op.BORROW_SERVER))))
                .append(" ms (borrow() ").append(ms(record.maxNanos(Op.BORROW))).append(" ms, borrow(server) ")
                .append(ms(record.maxNanos(Op.BORROW_SERVER))).append(" ms; execute() with its round trips ")
                .append(ms(record.maxNanos(Op.EXECUTE))).append(" ms); margin in the bounds ").append(margin.toMillis())
                .append(" ms").append(nl);
        r.append("calls by time: <10 ms ").append(record.histogram[0].sum()).append(", 10-100 ms ").append(record.histogram[1].sum())
                .append(", 100 ms-1 s ").append(record.histogram[2].sum()).append(", 1-2 s ").append(record.histogram[3].sum())
                .append(", >=2 s ").append(record.histogram[4].sum()).append(nl);
        synchronized (record.slowest) {
            r.append("slowest calls:").append(nl);
            for (Record.Slow s : record.slowest) {
                r.append(String.format(Locale.ROOT, "  %5d ms %-28s %-28s %s%n", ms(s.nanos()), s.op().label, s.outcome(), s.thread()));
            }
        }
        long errors = record.errors.values().stream().mapToLong(LongAdder::sum).sum();
        r.append("errors: ").append(errors).append(" (").append(String.format(Locale.ROOT, "%.2f", 100.0 * errors / Math.max(1, calls)))
                .append("% of calls)").append(nl);
        new TreeMap<>(record.errors).forEach((type, n) -> r.append("  ").append(type).append(": ").append(n.sum()).append(nl));
        r.append("unexpected errors: ").append(record.unexpected.size()).append(", unexplained IOExceptions on leases: ")
                .append(record.unexplained.size()).append(", wrong answers: ").append(record.wrongAnswers.size())
                .append(record.dropped.get() > 0 ? " (and " + record.dropped.get() + " more not kept)" : "").append(nl);
        r.append("chaos: ").append(chaos.steps.get()).append(" steps ").append(chaos.deeds)
                .append(", at most ").append(chaos.mostUnhealthy.get()).append(" server(s) down at once").append(nl);
        if (quiet != null) {
            r.append("pool once quiet: connections created ").append(factory.created.get()).append(", ejections ")
                    .append(quiet.servers().stream().mapToLong(ServerStats::ejections).sum()).append(nl);
            for (ServerStats s : quiet.servers()) {
                r.append("  ").append(s.server()).append(' ').append(s.state()).append(": created ").append(s.created())
                        .append(", destroyed ").append(s.destroyed()).append(", idle ").append(s.idle()).append(", leases ")
                        .append(s.borrowed()).append(", ejections ").append(s.ejections()).append(nl);
            }
        }
        r.append(String.format(Locale.ROOT, "heap after full GC: start %.1f MB, at %s (%s, %d leases) %.1f MB, end %.1f MB; "
                        + "growth %+.1f MB, tolerance %.1f MB (max of 20%% and 16 MB)%n", heapAtStart / (double) MB,
                heapBaselineAt, baselineTaken, borrowsAtBaseline, heapBaseline / (double) MB, heapAtEnd / (double) MB,
                (heapAtEnd - heapBaseline) / (double) MB, tolerance / (double) MB));
        for (String s : record.unexpected) {
            r.append("UNEXPECTED: ").append(s).append(nl);
        }
        for (String s : record.unexplained) {
            r.append("UNEXPLAINED: ").append(s).append(nl);
        }
        for (String s : record.wrongAnswers) {
            r.append("WRONG ANSWER: ").append(s).append(nl);
        }
        r.append(failures.isEmpty() ? "result: every check passed" : "result: " + failures.size() + " check(s) failed")
                .append(nl);
        for (Throwable e : failures) {
            r.append("FAILED: ").append(e.getMessage()).append(nl);
        }
        return r.toString();
    }

    /**
     * Counts creates and destroys like {@link CountingFactory}, and finds a double destroy, but without
     * keeping every destroyed connection (CountingFactory does, to name it): over a long run those would grow
     * the heap this test measures.
     */
    static final class LeanCountingFactory implements ConnectionFactory<SocketConnection> {
        private final ConnectionFactory<SocketConnection> delegate;
        /** SocketConnection does not override equals: identity. */
        final Set<SocketConnection> live = ConcurrentHashMap.newKeySet();
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger destroyed = new AtomicInteger();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

        LeanCountingFactory(ConnectionFactory<SocketConnection> delegate) {
            this.delegate = delegate;
        }

        @Override
        public SocketConnection create(ServerAddress server) throws Exception {
            SocketConnection c = delegate.create(server);
            if (c != null) {
                live.add(c);
                created.incrementAndGet();
            }
            return c;
        }

        @Override
        public boolean validate(ServerAddress server, SocketConnection connection) {
            return delegate.validate(server, connection);
        }

        @Override
        public void destroy(ServerAddress server, SocketConnection connection) throws Exception {
            if (!live.remove(connection) && errors.size() < 20) {
                errors.add("destroyed twice, or never created: " + connection);
            }
            destroyed.incrementAndGet();
            delegate.destroy(server, connection);
        }
    }
}
