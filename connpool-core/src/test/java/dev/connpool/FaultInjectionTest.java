package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Fault injection: servers that refuse, stall on connect, hang, answer slowly, reset, close idle
 * connections or come back; factories whose create, validate or destroy throw or block; borrowers that are
 * interrupted, misuse leases or race with close().
 *
 * <p>In every scenario the caller gets a clear exception, or none at all where another server is healthy;
 * nothing takes longer than the bound computed from the settings (elapsed times are measured and asserted);
 * and the books balance: after each scenario {@link #assertInvariantsAndClose} checks every server's counts,
 * closes the pool, and checks that every connection made was destroyed exactly once, that the servers see
 * no connection left open, and that no pool thread survives.
 *
 * <p>Each scenario records "scenario | what the caller saw | elapsed ms"; the lines go to
 * {@code target/fault-report.txt} once the class is done.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FaultInjectionTest {

    /** The factory's connect timeout (T). */
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    /** The factory's read timeout (R). */
    private static final Duration READ_TIMEOUT = Duration.ofMillis(400);
    /** max-wait (W) of most scenarios. */
    private static final Duration MAX_WAIT = Duration.ofMillis(100);
    private static final Duration BACKOFF_MIN = Duration.ofMillis(10);
    private static final Duration BACKOFF_MAX = Duration.ofMillis(50);
    /**
     * What a bound may be overrun by, and what "promptly" means, in ms: the tests share 2 cores with other
     * builds (load averages of 10 were seen), so a thread may wait a while for the CPU.
     */
    private static final long MARGIN = 500;
    /** How early a timer may seem to fire, measured from outside the call, in ms. */
    private static final long EARLY = 10;

    private static final List<String> REPORT = new CopyOnWriteArrayList<>();

    private final List<MultiPool<?>> pools = new ArrayList<>();
    private final List<AutoCloseable> servers = new ArrayList<>();
    private ExecutorService threads;

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

    // ---- network faults ----------------------------------------------------------------------------------

    @Test
    @Order(1)
    void refusedConnectsFailFastAndBorrowFailsOver() throws Exception {
        TestServer down = server();
        TestServer up = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("refused", factory, down, up)
                .balancer(prefer(down.address())).build());
        down.stop();

        Timed<Lease<SocketConnection>> pinned = timed(() -> pool.borrow(down.address()));
        record("1a refused (stopped server): borrow(server)", pinned);
        assertThat(pinned.error()).isInstanceOfSatisfying(ConnectFailedException.class,
                e -> assertThat(e.server()).isEqualTo(down.address()))
                .hasMessageContaining(down.address().toString()).hasCauseInstanceOf(ConnectException.class);
        assertThat(pinned.ms()).as("a refused connect is immediate, far below the connect timeout")
                .isLessThan(MARGIN);

        Timed<String> any = timed(() -> borrowAndEcho(pool, "hello"));
        record("1b refused: borrow() tries it first", any);
        assertThat(any.error()).isNull();
        assertThat(any.value()).isEqualTo(up.address() + " hello");
        assertThat(any.ms()).isLessThan(BACKOFF_MAX.toMillis() + MARGIN);
        assertThat(stats(pool, down).failures()).isEqualTo(2);

        assertInvariantsAndClose(pool, factory, down, up);
    }

    @Test
    @Order(2)
    void connectsToAFullBacklogTimeOutAndBorrowFailsOver() throws Exception {
        FullBacklogServer full = fullBacklog();
        TestServer up = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("backlog", factory, full.address(), up.address())
                .balancer(prefer(full.address())).build());
        long t = CONNECT_TIMEOUT.toMillis();
        long w = MAX_WAIT.toMillis();

        Timed<Lease<SocketConnection>> pinned = timed(() -> pool.borrow(full.address()));
        record("2a accept backlog full: borrow(server)", pinned);
        assertThat(pinned.error()).isInstanceOf(ConnectFailedException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        assertThat(pinned.ms()).as("about the connect timeout; at most max-wait + connect timeout")
                .isBetween(t - EARLY, w + t + MARGIN);

        Timed<String> any = timed(() -> borrowAndEcho(pool, "hello"));
        record("2b accept backlog full: borrow() tries it first", any);
        assertThat(any.error()).isNull();
        assertThat(any.value()).isEqualTo(up.address() + " hello");
        // attempt 1 stalls for the connect timeout, a pause, attempt 2 succeeds at once
        assertThat(any.ms()).isBetween(t - EARLY, 2 * (w + t) + BACKOFF_MAX.toMillis() + MARGIN);
        assertThat(stats(pool, full.address()).failures()).isEqualTo(2);

        assertInvariantsAndClose(pool, factory, up);
    }

    @Test
    @Order(3)
    void aServerThatNeverAnswersCostsOneReadTimeout() throws Exception {
        TestServer hung = server();
        TestServer up = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("hang", factory, hung, up)
                .balancer(prefer(hung.address())).build());
        hung.hang();
        long r = READ_TIMEOUT.toMillis();

        Timed<String> executed = timed(() -> pool.execute(c -> c.server() + " " + Lines.roundTrip(c, "hello")));
        record("3a hang (accepts, never answers): execute()", executed);
        assertThat(executed.error()).isNull();
        assertThat(executed.value()).isEqualTo(up.address() + " hello");
        assertThat(executed.ms()).as("one read timeout, a pause, one quick round trip")
                .isBetween(r - EARLY, r + BACKOFF_MAX.toMillis() + MARGIN);
        ServerStats hungStats = stats(pool, hung);
        assertThat(hungStats.failures()).isEqualTo(1);
        assertThat(hungStats.destroyed()).as("the silent connection is not reused").isEqualTo(1);

        Lease<SocketConnection> lease = pool.borrow(hung.address());
        Timed<String> roundTrip = timed(() -> Lines.roundTrip(lease.connection(), "hello"));
        lease.invalidate();
        record("3b hang: round trip on a lease of it", roundTrip);
        assertThat(roundTrip.error()).isInstanceOf(SocketTimeoutException.class);
        assertThat(roundTrip.ms()).isBetween(r - EARLY, r + MARGIN);
        assertThat(hung.requests()).isEqualTo(2);

        assertInvariantsAndClose(pool, factory, hung, up);
    }

    @Test
    @Order(4)
    void aSlowServerIsWaitedForWithinTheReadTimeoutAndRetriedElsewhereBeyondIt() throws Exception {
        TestServer slow = server();
        TestServer up = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("slow", factory, slow, up)
                .balancer(prefer(slow.address())).build());
        long r = READ_TIMEOUT.toMillis();
        Duration within = Duration.ofMillis(r / 4);
        Duration beyond = Duration.ofMillis(r + 300);

        slow.delay(within);
        Timed<String> fast = timed(() -> pool.execute(c -> c.server() + " " + Lines.roundTrip(c, "one")));
        record("4a slow server, delay " + within.toMillis() + " ms < read timeout: execute()", fast);
        assertThat(fast.error()).isNull();
        assertThat(fast.value()).isEqualTo(slow.address() + " one");
        assertThat(fast.ms()).isBetween(within.toMillis() - EARLY, within.toMillis() + MARGIN);

        slow.delay(beyond);
        Timed<String> late = timed(() -> pool.execute(c -> c.server() + " " + Lines.roundTrip(c, "two")));
        record("4b slow server, delay " + beyond.toMillis() + " ms > read timeout: execute()", late);
        assertThat(late.error()).isNull();
        assertThat(late.value()).isEqualTo(up.address() + " two");
        assertThat(late.ms()).isBetween(r - EARLY, r + BACKOFF_MAX.toMillis() + MARGIN);
        assertThat(stats(pool, slow).failures()).isEqualTo(1);
        assertThat(stats(pool, slow).destroyed()).isEqualTo(1);

        Lease<SocketConnection> lease = pool.borrow(slow.address());
        Timed<String> roundTrip = timed(() -> Lines.roundTrip(lease.connection(), "three"));
        lease.invalidate();
        record("4c slow server beyond the read timeout: round trip on a lease", roundTrip);
        assertThat(roundTrip.error()).isInstanceOf(SocketTimeoutException.class);
        assertThat(roundTrip.ms()).isBetween(r - EARLY, r + MARGIN);

        assertInvariantsAndClose(pool, factory, slow, up);
    }

    @Test
    @Order(5)
    void aResetInTheMiddleOfARoundTripIsRetriedElsewhere() throws Exception {
        TestServer resetting = server();
        TestServer up = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("reset", factory, resetting, up)
                .balancer(prefer(resetting.address())).build());
        resetting.resetOnRequest();

        Timed<String> executed = timed(() -> pool.execute(c -> c.server() + " " + Lines.roundTrip(c, "hello")));
        record("5a reset (RST) during the round trip: execute()", executed);
        assertThat(executed.error()).isNull();
        assertThat(executed.value()).isEqualTo(up.address() + " hello");
        assertThat(executed.ms()).isLessThan(BACKOFF_MAX.toMillis() + MARGIN);
        assertThat(resetting.requests()).as("the request reached it before the reset").isEqualTo(1);
        assertThat(stats(pool, resetting).failures()).isEqualTo(1);
        assertThat(stats(pool, resetting).destroyed()).isEqualTo(1);

        Lease<SocketConnection> lease = pool.borrow(resetting.address());
        Timed<String> roundTrip = timed(() -> Lines.roundTrip(lease.connection(), "hello"));
        lease.invalidate();
        record("5b reset during the round trip on a lease", roundTrip);
        assertThat(roundTrip.error()).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        assertThat(roundTrip.ms()).isLessThan(MARGIN);

        assertInvariantsAndClose(pool, factory, resetting, up);
    }

    @Test
    @Order(6)
    void idleConnectionsClosedByTheServerAreFoundWithoutTheCallerOrCostItOneRetry() throws Exception {
        // (a) validate-while-idle: the evictor finds the dead ones; no borrow involved
        TestServer a = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("idle-closed", factory, a)
                .housekeepingInterval(Duration.ofMillis(50)).build());
        holdAndReturn(pool, a.address(), 2);
        assertThat(stats(pool, a).idle()).isEqualTo(2);
        soon().until(() -> a.openConnections() == 2); // accepted by now, so closeAll() closes both
        long start = System.nanoTime();
        a.closeAll();
        soon().until(() -> stats(pool, a).destroyed() == 2);
        long found = msSince(start);
        ServerStats s = stats(pool, a);
        record("6a server closes idle connections; validate-while-idle", "no caller involved; the evictor destroyed "
                + s.destroyed() + " dead idle connections, " + s.failures() + " failures charged", found);
        assertThat(s.idle()).isZero();
        assertThat(s.failures()).isZero();
        assertThat(found).as("within a few housekeeping intervals").isLessThan(50 * 4 + MARGIN);
        assertInvariantsAndClose(pool, factory, a);

        // (b) no validation at all: execute's first attempt meets the dead connection and is retried
        TestServer b = server();
        TestServer up = server();
        CountingFactory<SocketConnection> unvalidated = sockets();
        MultiPool<SocketConnection> blind = track(builder("idle-closed-blind", unvalidated, b, up)
                .validateOnBorrow(false).validateWhileIdle(false).balancer(prefer(b.address())).build());
        holdAndReturn(blind, b.address(), 1);
        soon().until(() -> b.openConnections() == 1);
        b.closeAll();
        soon().until(() -> b.openConnections() == 0);
        Timed<String> executed = timed(() -> blind.execute(c -> c.server() + " " + Lines.roundTrip(c, "hello")));
        record("6b server closes idle connections; no validation: execute()", executed);
        assertThat(executed.error()).isNull();
        assertThat(executed.value()).isEqualTo(up.address() + " hello");
        assertThat(executed.ms()).isLessThan(BACKOFF_MAX.toMillis() + MARGIN);
        assertThat(stats(blind, b).failures()).as("an IOException in execute charges the server").isEqualTo(1);
        assertInvariantsAndClose(blind, unvalidated, b, up);
    }

    @Test
    @Order(7)
    void aServerThatStopsAndComesBackOnTheSamePortIsReadmitted() throws Exception {
        TestServer a = server();
        TestServer b = server();
        CountingFactory<SocketConnection> factory = sockets();
        Duration ejectionMax = Duration.ofMillis(600);
        MultiPool<SocketConnection> pool = track(builder("restart", factory, a, b)
                .ejection(2, Duration.ofMillis(300), ejectionMax, 50).build());
        Lease<SocketConnection> held = pool.borrow(a.address());
        holdAndReturn(pool, a.address(), 1); // an idle one besides the held one
        assertThat(stats(pool, a).idle()).isEqualTo(1);
        soon().until(() -> a.openConnections() == 2); // both accepted before the stop
        int port = a.port();

        a.stop();
        Timed<String> onHeld = timed(() -> Lines.roundTrip(held.connection(), "hello"));
        held.invalidate();
        record("7a stop: round trip on a lease taken before", onHeld);
        assertThat(onHeld.error()).isInstanceOf(IOException.class);
        assertThat(onHeld.ms()).isLessThan(MARGIN);

        Timed<Lease<SocketConnection>> pinned = timed(() -> pool.borrow(a.address()));
        record("7b stop: borrow(server) (its idle one is dead)", pinned);
        assertThat(pinned.error()).isInstanceOf(ConnectFailedException.class).hasCauseInstanceOf(ConnectException.class);
        assertThat(pinned.ms()).isLessThan(MARGIN);
        assertThat(stats(pool, a).state()).isEqualTo(ServerState.EJECTED);
        assertThat(stats(pool, a).destroyed()).as("the held one and the dead idle one").isEqualTo(2);

        Timed<String> any = timed(() -> borrowAndEcho(pool, "hello"));
        record("7c stop: borrow() while it is ejected", any);
        assertThat(any.error()).isNull();
        assertThat(any.value()).isEqualTo(b.address() + " hello");

        a.restart();
        assertThat(a.port()).isEqualTo(port);
        long restarted = System.nanoTime();
        soon().until(() -> stats(pool, a).state() == ServerState.ACTIVE);
        long readmitted = msSince(restarted);
        Timed<String> back = timed(() -> {
            try (Lease<SocketConnection> lease = pool.borrow(a.address())) {
                return Lines.roundTrip(lease.connection(), "back");
            }
        });
        record("7d back on the same port: re-admitted by the probe after", "ACTIVE again", readmitted);
        record("7e back on the same port: borrow(server)", back);
        assertThat(readmitted).as("at most the longest ejection, then one probe").isLessThan(ejectionMax.toMillis() + MARGIN);
        assertThat(back.error()).isNull();
        assertThat(back.value()).isEqualTo("back");
        assertThat(a.accepted()).as("2 before the stop, the probe's and the new lease's after")
                .isBetween(3, 4);

        assertInvariantsAndClose(pool, factory, a, b);
    }

    // ---- factory faults --------------------------------------------------------------------------------------

    @Test
    @Order(8)
    void createThrowingIsAConnectFailureAndBorrowFailsOver() throws Exception {
        createFault("8", "create throws", server -> {
            throw new IOException("injected: create failed");
        });
    }

    @Test
    @Order(9)
    void createReturningNullIsAConnectFailureAndBorrowFailsOver() throws Exception {
        createFault("9", "create returns null", server -> null);
    }

    /** create fails for one server: borrow(server) fails fast, borrow() fails over until the server is ejected. */
    private void createFault(String id, String label, Create badCreate) throws Exception {
        TestServer bad = server();
        TestServer good = server();
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                return server.equals(bad.address()) ? badCreate.create(server) : super.create(server);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("create-" + id, factory, bad, good)
                .balancer(prefer(bad.address())).ejection(3, Duration.ofSeconds(10), Duration.ofSeconds(10), 50).build());

        Timed<Lease<SocketConnection>> pinned = timed(() -> pool.borrow(bad.address()));
        record(id + "a " + label + ": borrow(server)", pinned);
        assertThat(pinned.error()).isInstanceOf(ConnectFailedException.class).hasMessageContaining(bad.address().toString());
        assertThat(pinned.ms()).isLessThan(MARGIN);

        long start = System.nanoTime();
        List<String> served = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            served.add(borrowAndEcho(pool, "hello"));
        }
        long ms = msSince(start);
        record(id + "b " + label + ": 3 x borrow(), each tries it first", "no exception; all served by the healthy server; "
                + "the bad one " + stats(pool, bad).state() + " after " + stats(pool, bad).failures() + " failures in a row", ms);
        assertThat(served).containsOnly(good.address() + " hello");
        assertThat(stats(pool, bad).state()).isEqualTo(ServerState.EJECTED);
        assertThat(ms).isLessThan(3 * BACKOFF_MAX.toMillis() + MARGIN);
        assertThat(bad.accepted()).as("the factory never connected to it").isZero();

        assertInvariantsAndClose(pool, factory, bad, good);
    }

    @Test
    @Order(10)
    void createBlockingLongerThanMaxWaitHoldsOnlyItsOwnCaller() throws Exception {
        TestServer stuck = server();
        TestServer other = server();
        Duration block = Duration.ofMillis(1_000); // the factory's own limit: then it gives up
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                if (server.equals(stuck.address())) {
                    entered.countDown();
                    if (!never.await(block.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new SocketTimeoutException("injected: connect still blocked after " + block.toMillis() + " ms");
                    }
                }
                return super.create(server);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("create-blocks", factory, stuck, other)
                .balancer(prefer(stuck.address())).build());
        long b = block.toMillis();
        long w = MAX_WAIT.toMillis();

        CompletableFuture<Timed<Lease<SocketConnection>>> blocked = async(() -> timed(() -> pool.borrow(stuck.address())));
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        Timed<String> meanwhile = timed(() -> {
            pool.stats();
            try (Lease<SocketConnection> lease = pool.borrow(other.address())) {
                return Lines.roundTrip(lease.connection(), "meanwhile");
            }
        });
        assertThat(blocked).as("the create is still blocked").isNotDone();
        Timed<Lease<SocketConnection>> pinned = blocked.get(10, TimeUnit.SECONDS);
        record("10a create blocks " + b + " ms (> max-wait " + w + " ms): borrow(server)", pinned);
        record("10b ... meanwhile stats() + borrow(other server) + round trip", meanwhile);
        assertThat(pinned.error()).isInstanceOf(ConnectFailedException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        assertThat(pinned.ms()).as("as long as the factory blocks; max-wait does not cut a create short")
                .isBetween(b - EARLY, b + w + MARGIN);
        assertThat(meanwhile.error()).isNull();
        assertThat(meanwhile.ms()).as("other servers are not held up").isLessThan(MARGIN);

        Timed<String> any = timed(() -> borrowAndEcho(pool, "hello"));
        record("10c create blocks: borrow() tries it first", any);
        assertThat(any.error()).isNull();
        assertThat(any.value()).isEqualTo(other.address() + " hello");
        assertThat(any.ms()).isBetween(b - EARLY, b + w + BACKOFF_MAX.toMillis() + MARGIN);

        never.countDown();
        assertInvariantsAndClose(pool, factory, stuck, other);
    }

    @Test
    @Order(11)
    void validateThrowingOnAnIdleConnectionDestroysItAndLendsAnother() throws Exception {
        TestServer a = server();
        Set<SocketConnection> poisoned = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public boolean validate(ServerAddress server, SocketConnection connection) {
                if (poisoned.contains(connection)) {
                    throw new IllegalStateException("injected: validate failed");
                }
                return super.validate(server, connection);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("validate-throws", factory, a).build());
        SocketConnection first;
        try (Lease<SocketConnection> lease = pool.borrow(a.address())) {
            first = lease.connection();
        }
        poisoned.add(first);

        Timed<String> next = timed(() -> {
            try (Lease<SocketConnection> lease = pool.borrow(a.address())) {
                assertThat(lease.connection()).isNotSameAs(first);
                return Lines.roundTrip(lease.connection(), "fresh");
            }
        });
        record("11 validate throws on the idle connection: borrow(server)", next);
        assertThat(next.error()).isNull();
        assertThat(next.value()).isEqualTo("fresh");
        assertThat(next.ms()).isLessThan(MARGIN);
        ServerStats s = stats(pool, a);
        assertThat(s.destroyed()).isEqualTo(1);
        assertThat(s.failures()).as("a connection failing validation is no failure of the server").isZero();
        assertThat(first.socket().isClosed()).isTrue();

        assertInvariantsAndClose(pool, factory, a);
    }

    @Test
    @Order(12)
    void destroyThrowingCountsAsDestroyedOnceAndThePoolKeepsWorking() throws Exception {
        TestServer a = server();
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public void destroy(ServerAddress server, SocketConnection connection) throws Exception {
                super.destroy(server, connection); // the socket is closed; the factory reports a failure anyway
                throw new IOException("injected: destroy failed");
            }
        });
        MultiPool<SocketConnection> pool = track(builder("destroy-throws", factory, a).build());

        Lease<SocketConnection> lease = pool.borrow(a.address());
        AtomicReference<String> logged = new AtomicReference<>();
        Timed<Void> invalidated = timed(() -> {
            logged.set(capturingStderr(lease::invalidate));
            return null;
        });
        record("12a destroy throws: lease.invalidate()", invalidated);
        assertThat(invalidated.error()).isNull();
        assertThat(logged.get()).as("logged").contains("WARN").contains("counts as closed")
                .contains("injected: destroy failed");
        assertThat(invalidated.ms()).isLessThan(MARGIN);
        assertThat(stats(pool, a).destroyed()).isEqualTo(1);

        Timed<String> next = timed(() -> borrowAndEcho(pool, "still working"));
        assertThat(next.error()).isNull();
        assertThat(next.value()).isEqualTo(a.address() + " still working");
        assertThat(stats(pool, a).idle()).isEqualTo(1);

        Timed<Void> closed = timed(() -> {
            pool.close();
            return null;
        });
        record("12b destroy throws: close() with 1 idle connection", closed);
        assertThat(closed.error()).isNull();
        assertThat(closed.ms()).isLessThan(MARGIN);
        assertThat(factory.destroyed.get()).isEqualTo(2);

        assertInvariantsAndClose(pool, factory, a);
    }

    @Test
    @Order(13)
    void destroyBlockingHoldsTheCallerOfInvalidateAndCloseButNothingIsDestroyedTwice() throws Exception {
        TestServer a = server();
        TestServer b = server();
        Duration block = Duration.ofMillis(2_000);
        CountDownLatch destroying = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public void destroy(ServerAddress server, SocketConnection connection) throws Exception {
                destroying.countDown();
                never.await(block.toMillis(), TimeUnit.MILLISECONDS); // a close that takes its time
                super.destroy(server, connection);
            }
        });
        Duration shutdownTimeout = Duration.ofMillis(300);
        MultiPool<SocketConnection> pool = track(builder("destroy-blocks", factory, a, b).maxActive(1)
                .shutdownTimeout(shutdownTimeout).build());
        long d = block.toMillis();
        long w = MAX_WAIT.toMillis();

        Lease<SocketConnection> first = pool.borrow(a.address());
        CompletableFuture<Timed<Void>> invalidating = async(() -> timed(() -> {
            first.invalidate();
            return null;
        }));
        assertThat(destroying.await(5, TimeUnit.SECONDS)).isTrue();
        Timed<Lease<SocketConnection>> sameServer = timed(() -> pool.borrow(a.address()));
        Timed<String> otherServer = timed(() -> {
            try (Lease<SocketConnection> lease = pool.borrow(b.address())) {
                return Lines.roundTrip(lease.connection(), "meanwhile"); // b keeps this one idle
            }
        });
        assertThat(invalidating).as("the destroy is still blocked").isNotDone();
        Timed<Void> invalidated = invalidating.get(10, TimeUnit.SECONDS);
        record("13a destroy blocks " + d + " ms: lease.invalidate()", invalidated);
        record("13b ... meanwhile borrow(same server, max-active 1)", sameServer);
        record("13c ... meanwhile borrow(other server) + round trip", otherServer);
        assertThat(invalidated.error()).isNull();
        assertThat(invalidated.ms()).as("the destroy runs on the caller's thread").isBetween(d - EARLY, d + MARGIN);
        assertThat(sameServer.error()).as("the slot stays taken until the destroy returns")
                .isInstanceOf(PoolTimeoutException.class);
        assertThat(sameServer.ms()).isBetween(w - EARLY, w + MARGIN);
        assertThat(otherServer.error()).isNull();
        assertThat(otherServer.ms()).isLessThan(MARGIN);

        Lease<SocketConnection> out = pool.borrow(a.address()); // still out when close() gives up waiting
        Timed<Void> closed = timed(() -> {
            pool.close();
            return null;
        });
        long bound = d + shutdownTimeout.toMillis() + d; // b's idle one, the wait for the lease, the forced one
        record("13d destroy blocks: close() with 1 idle + 1 lease out (shutdown-timeout "
                + shutdownTimeout.toMillis() + " ms)", closed);
        assertThat(closed.error()).isNull();
        assertThat(closed.ms()).as("shutdown-timeout plus every destroy, one after the other")
                .isBetween(bound - EARLY, bound + MARGIN);
        assertThat(timed(out::connection).error()).as("the forced lease").isInstanceOf(IllegalStateException.class);
        out.close(); // no-op: forced already
        assertThat(factory.destroyed.get()).isEqualTo(3);

        assertInvariantsAndClose(pool, factory, a, b);
    }

    // ---- borrower faults -------------------------------------------------------------------------------------

    @Test
    @Order(14)
    void aBorrowerInterruptedWhileWaitingForAFullServerGetsAPoolExceptionAndLosesNoCapacity() throws Exception {
        TestServer a = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("interrupted", factory, a).maxActive(1)
                .maxWait(Duration.ofSeconds(10)).build());
        Lease<SocketConnection> held = pool.borrow();
        AtomicReference<Thread> waiter = new AtomicReference<>();
        AtomicLong interruptedAt = new AtomicLong();
        AtomicBoolean flagAfter = new AtomicBoolean();
        CompletableFuture<Timed<Lease<SocketConnection>>> waiting = async(() -> {
            waiter.set(Thread.currentThread());
            Timed<Lease<SocketConnection>> result = timed(pool::borrow);
            flagAfter.set(Thread.currentThread().isInterrupted());
            return result;
        });
        soon().until(() -> pool.stats().waiting() == 1);
        interruptedAt.set(System.nanoTime());
        waiter.get().interrupt();
        Timed<Lease<SocketConnection>> result = waiting.get(10, TimeUnit.SECONDS);
        long afterInterrupt = msSince(interruptedAt.get()); // from the interrupt until the result was seen
        record("14 borrower interrupted while waiting for a full server: borrow()",
                describe(result.error()) + "; interrupt flag " + (flagAfter.get() ? "set" : "CLEARED")
                        + "; returned after the interrupt within", afterInterrupt);
        assertThat(result.error()).isExactlyInstanceOf(PoolException.class).hasMessageContaining("interrupted")
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(flagAfter.get()).as("the interrupt flag is set again").isTrue();
        assertThat(afterInterrupt).isLessThan(MARGIN);
        assertThat(pool.stats().waiting()).isZero();
        assertThat(stats(pool, a).failures()).as("the caller's interrupt is no failure of the server").isZero();

        SocketConnection connection = held.connection();
        held.close();
        Timed<Lease<SocketConnection>> later = timed(pool::borrow);
        assertThat(later.error()).as("no capacity lost").isNull();
        assertThat(later.value().connection()).isSameAs(connection);
        assertThat(later.ms()).isLessThan(MARGIN);
        later.value().close();

        assertInvariantsAndClose(pool, factory, a);
    }

    @Test
    @Order(15)
    void leasesClosedTwiceFromTwoThreadsOrUsedAfterInvalidateReleaseOnce() throws Exception {
        TestServer a = server();
        CountingFactory<SocketConnection> factory = sockets();
        MultiPool<SocketConnection> pool = track(builder("misuse", factory, a).build());

        Lease<SocketConnection> lease = pool.borrow();
        lease.invalidate();
        Timed<SocketConnection> used = timed(lease::connection);
        lease.close();
        lease.invalidate();
        record("15a lease.connection() after invalidate()", used);
        assertThat(used.error()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(stats(pool, a).destroyed()).isEqualTo(1);
        assertThat(stats(pool, a).failures()).as("charged once").isEqualTo(1);

        // close() and invalidate() of one lease race from two threads: exactly one of them takes effect
        int rounds = 200;
        int closesWon = 0;
        int invalidatesWon = 0;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            Lease<SocketConnection> raced = pool.borrow();
            long destroyedBefore = stats(pool, a).destroyed();
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                awaitLatch(go);
                raced.close();
                raced.close();
            }, threads);
            CompletableFuture<Void> invalidating = CompletableFuture.runAsync(() -> {
                awaitLatch(go);
                raced.invalidate();
                raced.invalidate();
            }, threads);
            go.countDown();
            CompletableFuture.allOf(closing, invalidating).get(10, TimeUnit.SECONDS);
            ServerStats s = stats(pool, a);
            assertThat(s.active()).isZero();
            long destroyedNow = s.destroyed() - destroyedBefore;
            assertThat(destroyedNow).as("round %d", i).isBetween(0L, 1L);
            if (destroyedNow == 1) {
                invalidatesWon++;
                assertThat(s.idle()).isZero();
            } else {
                closesWon++;
                assertThat(s.idle()).isEqualTo(1);
            }
        }
        long ms = msSince(start);
        record("15b close() vs invalidate() of one lease from 2 threads, " + rounds + " rounds",
                "no exception; close won " + closesWon + ", invalidate won " + invalidatesWon + "; never both", ms);
        assertThat(closesWon + invalidatesWon).isEqualTo(rounds);
        assertThat(factory.errors).isEmpty();

        assertInvariantsAndClose(pool, factory, a);
    }

    @Test
    @Order(16)
    void closeWithWaitersAndLeasesOutReleasesTheWaitersAtOnceAndDestroysEveryConnectionOnce() throws Exception {
        TestServer a = server();
        TestServer b = server();
        CountingFactory<SocketConnection> factory = sockets();
        Duration shutdownTimeout = Duration.ofMillis(1_000);
        MultiPool<SocketConnection> pool = track(builder("close-under-load", factory, a, b).maxActive(1)
                .maxWait(Duration.ofSeconds(10)).shutdownTimeout(shutdownTimeout).build());
        Lease<SocketConnection> returnedLate = pool.borrow(a.address());
        Lease<SocketConnection> neverReturned = pool.borrow(b.address());
        AtomicLong closeStart = new AtomicLong();
        List<String> how = List.of("borrow(server)", "borrow()");
        List<CompletableFuture<Ended<Lease<SocketConnection>>>> waiters = List.of(
                async(() -> ended(() -> pool.borrow(a.address()))),
                async(() -> ended(pool::borrow)));
        soon().until(() -> pool.stats().waiting() == 2);

        closeStart.set(System.nanoTime());
        CompletableFuture<Timed<Void>> closing = async(() -> timed(() -> {
            pool.close();
            return null;
        }));
        List<Long> released = new ArrayList<>();
        for (int i = 0; i < waiters.size(); i++) {
            Ended<Lease<SocketConnection>> result = waiters.get(i).get(10, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(result.endNanos() - closeStart.get());
            released.add(ms);
            record("16a close(): a borrower waiting in " + how.get(i) + ", released after close() began",
                    result.timed().saw(), ms);
            assertThat(result.timed().error()).isInstanceOf(PoolClosedException.class);
        }
        assertThat(closing).as("close() still waits for the leases").isNotDone();
        assertThat(released).allSatisfy(ms -> assertThat(ms).as("promptly").isLessThan(MARGIN));

        returnedLate.close();
        assertThat(factory.destroyed.get()).as("destroyed as it came back").isEqualTo(1);
        soon().until(() -> a.openConnections() == 0);
        assertThat(closing).isNotDone();

        Timed<Void> closed = closing.get(10, TimeUnit.SECONDS);
        record("16b close() with 2 waiters and 2 leases out (1 returned during shutdown-timeout "
                + shutdownTimeout.toMillis() + " ms)", closed);
        assertThat(closed.error()).isNull();
        assertThat(closed.ms()).isBetween(shutdownTimeout.toMillis() - EARLY, shutdownTimeout.toMillis() + MARGIN);
        Timed<SocketConnection> forced = timed(neverReturned::connection);
        record("16c close(): the lease never returned, used after shutdown-timeout", forced);
        assertThat(forced.error()).isInstanceOf(IllegalStateException.class);
        neverReturned.close(); // no-op
        neverReturned.invalidate(); // no-op
        assertThat(factory.created.get()).isEqualTo(2);
        assertThat(factory.destroyed.get()).isEqualTo(2);

        assertInvariantsAndClose(pool, factory, a, b);
    }

    // ---- the documented bound of a whole borrow() --------------------------------------------------------------

    @Test
    @Order(17)
    void borrowWithEveryServerSlowToConnectEndsWithinTheDocumentedBound() throws Exception {
        List<FullBacklogServer> full = List.of(fullBacklog(), fullBacklog(), fullBacklog());
        CountingFactory<SocketConnection> factory = sockets();
        int attempts = 3;
        Duration maxWait = Duration.ofMillis(200);
        Duration backoffMax = Duration.ofMillis(100);
        MultiPool<SocketConnection> pool = track(MultiPool.builder(factory).name("faults-bound")
                .servers(full.stream().map(FullBacklogServer::address).toList())
                .maxWait(maxWait).retryAttempts(attempts).backoff(Duration.ofMillis(50), backoffMax, 2.0, 0.2)
                .shutdownTimeout(Duration.ofSeconds(1)).build());
        long t = CONNECT_TIMEOUT.toMillis();
        long bound = attempts * (maxWait.toMillis() + t) + (attempts - 1) * backoffMax.toMillis();

        Timed<Lease<SocketConnection>> result = timed(pool::borrow);
        record("B1 every server's backlog full, " + attempts + " attempts: borrow() (bound " + bound + " ms)", result);
        assertThat(result.error()).isInstanceOfSatisfying(ConnectFailedException.class, e -> {
            assertThat(e.getSuppressed()).hasSize(attempts - 1);
            assertThat(e.getCause()).isInstanceOf(SocketTimeoutException.class);
            for (Throwable earlier : e.getSuppressed()) {
                assertThat(earlier).isInstanceOf(ConnectFailedException.class)
                        .hasCauseInstanceOf(SocketTimeoutException.class);
            }
        });
        assertThat(result.ms()).as("attempts x (max-wait + connect timeout) + (attempts - 1) x backoff.max")
                .isBetween(attempts * t - EARLY, bound + MARGIN);

        assertInvariantsAndClose(pool, factory);
    }

    /**
     * The per-attempt bound of the class Javadoc ("one borrow attempt waits at most max-wait ... plus the
     * time the factory takes to connect") for a borrower that arrives while another one is connecting to
     * the same full server. commons-pool2 2.13.1 makes it wait for the other's connect in
     * GenericKeyedObjectPool.create(): with wait(remaining max-wait) first, then, once max-wait is used up,
     * in a busy loop; when that connect fails it connects itself. So it takes about two connect timeouts,
     * and burns a core meanwhile.
     */
    @Test
    @Order(18)
    void aBorrowerArrivingWhileAnotherConnectsToTheSameServerStaysWithinMaxWaitPlusConnectTimeout() throws Exception {
        FullBacklogServer full = fullBacklog();
        Duration connectTimeout = Duration.ofMillis(1_000);
        Duration maxWait = Duration.ofMillis(50);
        CountDownLatch connecting = new CountDownLatch(1);
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(
                SocketConnectionFactory.builder().connectTimeout(connectTimeout).build()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                connecting.countDown();
                return super.create(server);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("concurrent-connect", factory, full.address()).maxActive(1)
                .maxWait(maxWait).retryAttempts(1).build());
        long bound = maxWait.toMillis() + connectTimeout.toMillis();

        CompletableFuture<Timed<Lease<SocketConnection>>> first = async(() -> timed(() -> pool.borrow(full.address())));
        assertThat(connecting.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicLong cpuNanos = new AtomicLong();
        CompletableFuture<Timed<Lease<SocketConnection>>> second = async(() -> {
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            long before = cpu.getCurrentThreadCpuTime();
            Timed<Lease<SocketConnection>> result = timed(() -> pool.borrow(full.address()));
            cpuNanos.set(cpu.getCurrentThreadCpuTime() - before);
            return result;
        });
        Timed<Lease<SocketConnection>> one = first.get(20, TimeUnit.SECONDS);
        Timed<Lease<SocketConnection>> two = second.get(20, TimeUnit.SECONDS);
        long cpuMs = TimeUnit.NANOSECONDS.toMillis(cpuNanos.get());
        record("B2 max-active 1, backlog full, 2 concurrent borrow(server): the first (bound " + bound + " ms)", one);
        record("B2 ... the second, arriving while the first connects (bound " + bound + " ms, CPU " + cpuMs + " ms)", two);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(one.error()).isInstanceOf(ConnectFailedException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        // The second never starts a connect of its own once its max-wait has run out: it times out, saying how
        // long it really waited (for the first one's connect to end).
        softly.assertThat(two.error()).isInstanceOf(PoolTimeoutException.class).hasMessageContaining("max-wait 50 ms")
                .hasMessageContaining("waited");
        softly.assertThat(one.ms()).as("first borrower: max-wait + connect timeout").isLessThanOrEqualTo(bound + MARGIN);
        softly.assertThat(two.ms()).as("second borrower: max-wait + connect timeout").isLessThanOrEqualTo(bound + MARGIN);
        softly.assertThat(cpuMs).as("CPU time of the second borrower while it waits").isLessThan(100);
        softly.assertAll();

        assertInvariantsAndClose(pool, factory);
    }

    /**
     * A borrower interrupted while its first attempt connects (the factory honours interrupts): the borrow
     * must end, and servers it never really tried must not be charged. With a zero back-off, run() goes on
     * to the next attempts with the interrupt flag set; each of their connects fails at once
     * (ClosedByInterruptException) and is charged to that healthy server as a connect failure.
     */
    @Test
    @Order(19)
    void aBorrowerInterruptedWhileConnectingChargesNoServerItDidNotTry() throws Exception {
        TestServer slow = server();
        TestServer b = server();
        TestServer c = server();
        CountDownLatch connecting = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                if (server.equals(slow.address())) {
                    connecting.countDown();
                    never.await(); // a connect that takes its time, and stops when the caller is interrupted
                }
                return super.create(server);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("interrupted-connect", factory, slow, b, c)
                .balancer(prefer(slow.address())).retryAttempts(3)
                .backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0) // valid settings: retry at once
                .build());
        AtomicReference<Thread> borrower = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        CompletableFuture<Timed<Lease<SocketConnection>>> borrowing = async(() -> {
            borrower.set(Thread.currentThread());
            Timed<Lease<SocketConnection>> result = timed(pool::borrow);
            flagAfter.set(Thread.currentThread().isInterrupted());
            return result;
        });
        assertThat(connecting.await(5, TimeUnit.SECONDS)).isTrue();
        long interruptedAt = System.nanoTime();
        borrower.get().interrupt();
        Timed<Lease<SocketConnection>> result = borrowing.get(10, TimeUnit.SECONDS);
        long ms = msSince(interruptedAt);
        if (result.value() != null) {
            result.value().close();
        }
        ServerStats bStats = stats(pool, b);
        ServerStats cStats = stats(pool, c);
        record("B3 borrower interrupted while connecting, back-off 0: borrow()", result.saw() + "; interrupt flag "
                + (flagAfter.get() ? "set" : "CLEARED") + "; failures charged: connecting server "
                + stats(pool, slow).failures() + ", untried servers " + bStats.failures() + " + " + cStats.failures(), ms);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(result.error()).as("the caller's error").isInstanceOf(PoolException.class);
        softly.assertThat(flagAfter.get()).as("interrupt flag kept").isTrue();
        softly.assertThat(ms).as("ends promptly after the interrupt").isLessThan(MARGIN);
        softly.assertThat(bStats.failures()).as("failures charged to %s, which the borrow never really tried", b)
                .isZero();
        softly.assertThat(cStats.failures()).as("failures charged to %s, which the borrow never really tried", c)
                .isZero();
        softly.assertThat(b.accepted() + c.accepted()).as("connections the healthy servers saw").isZero();
        softly.assertAll();

        never.countDown();
        assertInvariantsAndClose(pool, factory, slow, b, c);
    }

    // ---- the invariants ------------------------------------------------------------------------------------

    /**
     * Every server's counts balance once the pool is quiet and none is negative; then close(): every
     * connection made was destroyed exactly once, the servers hold no connection, no pool thread is left.
     */
    private static void assertInvariantsAndClose(MultiPool<?> pool, CountingFactory<?> factory, TestServer... servers) {
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

    private static void record(String scenario, Timed<?> timed) {
        record(scenario, timed.saw(), timed.ms());
    }

    private static void record(String scenario, String saw, long ms) {
        REPORT.add(scenario + " | " + saw.replace('\n', ' ') + " | " + ms);
    }

    /** Runs {@code action} with System.err (where slf4j-simple logs) captured; echoes and returns what was written. */
    private static String capturingStderr(Runnable action) {
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

    private static long msSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static ConditionFactory soon() {
        return await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private <T> CompletableFuture<T> async(Call<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, threads);
    }

    private TestServer server() throws IOException {
        TestServer server = TestServer.start();
        servers.add(server);
        return server;
    }

    private FullBacklogServer fullBacklog() throws IOException {
        FullBacklogServer server = FullBacklogServer.start();
        servers.add(server);
        return server;
    }

    private <C> MultiPool<C> track(MultiPool<C> pool) {
        pools.add(pool);
        return pool;
    }

    private static SocketConnectionFactory plainSockets() {
        return SocketConnectionFactory.builder().connectTimeout(CONNECT_TIMEOUT).readTimeout(READ_TIMEOUT).build();
    }

    private static CountingFactory<SocketConnection> sockets() {
        return new CountingFactory<>(plainSockets());
    }

    private static MultiPool.Builder<SocketConnection> builder(String name, ConnectionFactory<SocketConnection> factory,
                                                               TestServer... servers) {
        ServerAddress[] addresses = new ServerAddress[servers.length];
        for (int i = 0; i < servers.length; i++) {
            addresses[i] = servers[i].address();
        }
        return builder(name, factory, addresses);
    }

    private static MultiPool.Builder<SocketConnection> builder(String name, ConnectionFactory<SocketConnection> factory,
                                                               ServerAddress... servers) {
        return MultiPool.builder(factory).name("faults-" + name).servers(List.of(servers))
                .maxWait(MAX_WAIT).backoff(BACKOFF_MIN, BACKOFF_MAX, 2.0, 0.2)
                .shutdownTimeout(Duration.ofSeconds(1));
    }

    /** Picks {@code first} while it may be used: the first attempt of a borrow() goes where the test wants. */
    private static Balancer prefer(ServerAddress first) {
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

    private static ServerStats stats(MultiPool<?> pool, TestServer server) {
        return stats(pool, server.address());
    }

    private static ServerStats stats(MultiPool<?> pool, ServerAddress server) {
        return pool.stats().server(server);
    }

    /** borrow(), a round trip, close; returns "server answer". */
    private static String borrowAndEcho(MultiPool<SocketConnection> pool, String line) throws IOException {
        try (Lease<SocketConnection> lease = pool.borrow()) {
            return lease.server() + " " + Lines.roundTrip(lease.connection(), line);
        }
    }

    /** Borrows {@code count} connections of a server at once and returns them: they are idle afterwards. */
    private static void holdAndReturn(MultiPool<SocketConnection> pool, ServerAddress server, int count) {
        List<Lease<SocketConnection>> leases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leases.add(pool.borrow(server));
        }
        leases.forEach(Lease::close);
    }
}
