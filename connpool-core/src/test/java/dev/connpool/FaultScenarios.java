package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * What every fault-injection scenario shares: servers, pools and threads that are closed after each
 * scenario, the invariants checked at its end ({@link #assertInvariantsAndClose}), timing helpers and the
 * report of "scenario | what the caller saw | elapsed ms" written to {@code target/fault-report.txt}.
 *
 * <p>The scenarios, by family: {@link NetworkFaultTest} (servers that refuse, stall, hang, reset or come
 * back), {@link FactoryFaultTest} (create, validate or destroy that throw or block), {@link BorrowerFaultTest}
 * (interrupted borrowers, misused leases, close() racing with both) and {@link BorrowTimeBoundTest} (the
 * documented bound of a whole borrow()). In every scenario the caller gets a clear exception, or none at
 * all where another server is healthy; nothing takes longer than the bound computed from the settings;
 * and the books balance.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
abstract class FaultScenarios {

    /** The factory's connect timeout (T). */
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    /** The factory's read timeout (R). */
    static final Duration READ_TIMEOUT = Duration.ofMillis(400);
    /** max-wait (W) of most scenarios. */
    static final Duration MAX_WAIT = Duration.ofMillis(100);
    static final Duration BACKOFF_MIN = Duration.ofMillis(10);
    static final Duration BACKOFF_MAX = Duration.ofMillis(50);
    /**
     * What a bound may be overrun by, and what "promptly" means, in ms: the tests share 2 cores with other
     * builds (load averages of 10 were seen), so a thread may wait a while for the CPU.
     */
    static final long MARGIN = 500;
    /** How early a timer may seem to fire, measured from outside the call, in ms. */
    static final long EARLY = 10;

    static final List<String> REPORT = new CopyOnWriteArrayList<>();

    final List<MultiPool<?>> pools = new ArrayList<>();
    final List<AutoCloseable> servers = new ArrayList<>();
    ExecutorService threads;

    /**
     * Loads and warms what every scenario uses (sockets, the pool, logging, AssertJ), so that the first
     * scenario's times measure the pool, not class loading in a cold JVM on a busy machine.
     */
    @BeforeAll
    static void warmUp() throws Exception {
        try (TestServer server = TestServer.start()) {
            CountingFactory<SocketConnection> factory = sockets();
            MultiPool<SocketConnection> pool = MultiPool.builder(factory).name("faults-warm-up")
                    .servers(List.of(server.address())).build();
            for (int i = 0; i < 20; i++) {
                assertThat(borrowAndEcho(pool, "warm")).endsWith("warm");
                pool.borrow().invalidate();
            }
            server.stop();
            assertThat(timed(() -> pool.borrow(server.address())).error()).isInstanceOf(ConnectFailedException.class);
            pool.close();
            assertThat(factory.errors).isEmpty();
        }
    }

    @BeforeEach
    void startThreads() {
        AtomicInteger n = new AtomicInteger();
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-test-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A safety net for a failed scenario; a passing one has closed and checked everything itself. */
    @AfterEach
    void closeEverything() throws InterruptedException {
        pools.forEach(MultiPool::close);
        for (AutoCloseable server : servers) {
            try {
                server.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }

    @AfterAll
    static void writeReport() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("scenario | what the caller saw | elapsed ms");
        lines.addAll(REPORT);
        Path target = Path.of("target");
        Files.createDirectories(target);
        Files.write(target.resolve("fault-report.txt"), lines, StandardCharsets.UTF_8);
    }


    // ---- the invariants ------------------------------------------------------------------------------------

    /**
     * Every server's counts balance once the pool is quiet and none is negative; then close(): every
     * connection made was destroyed exactly once, the servers hold no connection, no pool thread is left.
     */
    static void assertInvariantsAndClose(MultiPool<?> pool, CountingFactory<?> factory, TestServer... servers) {
        soon().untilAsserted(() -> {
            for (ServerStats s : pool.stats().servers()) {
                assertThat(List.of((long) s.active(), (long) s.idle(), (long) s.waiting(), s.created(), s.destroyed(),
                        s.borrowed(), (long) s.failures(), s.ejections())).as("counts of %s", s).allMatch(n -> n >= 0);
                assertThat(s.created() - s.destroyed()).as("created - destroyed of %s", s)
                        .isEqualTo(s.active() + s.idle());
            }
        });
        pool.close();
        soon().untilAsserted(() -> assertThat(factory.destroyed.get()).as("destroyed of %d created", factory.created.get())
                .isEqualTo(factory.created.get()));
        assertThat(factory.errors).as("destroyed twice or never created").isEmpty();
        assertThat(factory.live()).isZero();
        for (TestServer server : servers) {
            soon().untilAsserted(() -> assertThat(server.openConnections()).as("connections open on %s", server).isZero());
        }
        soon().untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .filteredOn(thread -> thread.isAlive() && thread.getName().startsWith("connpool-"))
                .extracting(Thread::getName).as("pool threads left").isEmpty());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Call<T> {
        T call() throws Exception;
    }

    @FunctionalInterface
    interface Create {
        SocketConnection create(ServerAddress server) throws Exception;
    }

    /** What a call returned or threw, and how long it took. */
    record Timed<T>(T value, Throwable error, long ms) {
        String saw() {
            if (error != null) {
                return describe(error);
            }
            return "no exception" + (value == null ? "" : value instanceof Lease<?> lease
                    ? " (lease on " + lease.server() + ")" : " (" + value + ")");
        }
    }

    /** A {@link Timed} and when the call ended ({@link System#nanoTime()}). */
    record Ended<T>(Timed<T> timed, long endNanos) {
    }

    static <T> Ended<T> ended(Call<T> call) {
        Timed<T> timed = timed(call);
        return new Ended<>(timed, System.nanoTime());
    }

    static <T> Timed<T> timed(Call<T> call) {
        long start = System.nanoTime();
        try {
            T value = call.call();
            return new Timed<>(value, null, msSince(start));
        } catch (Throwable e) {
            return new Timed<>(null, e, msSince(start));
        }
    }

    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getClass().getSimpleName());
        if (e.getSuppressed().length > 0) {
            text.append(" (+").append(e.getSuppressed().length).append(" suppressed)");
        }
        if (e.getCause() != null) {
            text.append(" caused by ").append(e.getCause().getClass().getSimpleName()).append(": ")
                    .append(e.getCause().getMessage());
        } else {
            text.append(": ").append(e.getMessage());
        }
        return text.toString();
    }

    static void record(String scenario, Timed<?> timed) {
        record(scenario, timed.saw(), timed.ms());
    }

    static void record(String scenario, String saw, long ms) {
        REPORT.add(scenario + " | " + saw.replace('\n', ' ') + " | " + ms);
    }

    /** Runs {@code action} with System.err (where slf4j-simple logs) captured; echoes and returns what was written. */
    static String capturingStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }

    static long msSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    static ConditionFactory soon() {
        return await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    <T> CompletableFuture<T> async(Call<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, threads);
    }

    TestServer server() throws IOException {
        TestServer server = TestServer.start();
        servers.add(server);
        return server;
    }

    FullBacklogServer fullBacklog() throws IOException {
        FullBacklogServer server = FullBacklogServer.start();
        servers.add(server);
        return server;
    }

    <C> MultiPool<C> track(MultiPool<C> pool) {
        pools.add(pool);
        return pool;
    }

    static SocketConnectionFactory plainSockets() {
        return SocketConnectionFactory.builder().connectTimeout(CONNECT_TIMEOUT).readTimeout(READ_TIMEOUT).build();
    }

    static CountingFactory<SocketConnection> sockets() {
        return new CountingFactory<>(plainSockets());
    }

    static MultiPool.Builder<SocketConnection> builder(String name, ConnectionFactory<SocketConnection> factory,
                                                               TestServer... servers) {
        ServerAddress[] addresses = new ServerAddress[servers.length];
        for (int i = 0; i < servers.length; i++) {
            addresses[i] = servers[i].address();
        }
        return builder(name, factory, addresses);
    }

    static MultiPool.Builder<SocketConnection> builder(String name, ConnectionFactory<SocketConnection> factory,
                                                               ServerAddress... servers) {
        return MultiPool.builder(factory).name("faults-" + name).servers(List.of(servers))
                .maxWait(MAX_WAIT).backoff(BACKOFF_MIN, BACKOFF_MAX, 2.0, 0.2)
                .shutdownTimeout(Duration.ofSeconds(1));
    }

    /** Picks {@code first} while it may be used: the first attempt of a borrow() goes where the test wants. */
    static Balancer prefer(ServerAddress first) {
        return new Balancer() {
            @Override
            public <S extends Candidate> S pick(List<S> candidates) {
                for (S candidate : candidates) {
                    if (candidate.server().equals(first)) {
                        return candidate;
                    }
                }
                return candidates.get(0);
            }

            @Override
            public String toString() {
                return "prefer " + first;
            }
        };
    }

    static ServerStats stats(MultiPool<?> pool, TestServer server) {
        return stats(pool, server.address());
    }

    static ServerStats stats(MultiPool<?> pool, ServerAddress server) {
        return pool.stats().server(server);
    }

    /** borrow(), a round trip, close; returns "server answer". */
    static String borrowAndEcho(MultiPool<SocketConnection> pool, String line) throws IOException {
        try (Lease<SocketConnection> lease = pool.borrow()) {
            return lease.server() + " " + Lines.roundTrip(lease.connection(), line);
        }
    }

    /** Borrows {@code count} connections of a server at once and returns them: they are idle afterwards. */
    static void holdAndReturn(MultiPool<SocketConnection> pool, ServerAddress server, int count) {
        List<Lease<SocketConnection>> leases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leases.add(pool.borrow(server));
        }
        leases.forEach(Lease::close);
    }
}
