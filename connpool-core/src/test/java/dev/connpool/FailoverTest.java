package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Servers that stop, hang and come back: retries, ejection, re-admission. */
class FailoverTest {

    private final List<TestServer> servers = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Map<ServerAddress, List<Long>> ejections = new ConcurrentHashMap<>();
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;

    private final PoolListener recorder = new PoolListener() {
        @Override
        public void serverEjected(String pool, ServerAddress server, Duration duration, Throwable lastFailure) {
            events.add("ejected " + server);
            ejections.computeIfAbsent(server, s -> new CopyOnWriteArrayList<>()).add(duration.toMillis());
        }

        @Override
        public void serverReadmitted(String pool, ServerAddress server) {
            events.add("readmitted " + server);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 4; i++) {
            servers.add(TestServer.start());
        }
        factory = new CountingFactory<>(SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofMillis(300)).build());
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

    private MultiPool.Builder<SocketConnection> builder(int serverCount) {
        return MultiPool.builder(factory).name("failover")
                .servers(servers.subList(0, serverCount).stream().map(TestServer::address).toList())
                .backoff(Duration.ofMillis(1), Duration.ofMillis(10), 2.0, 0.2)
                .listener(recorder);
    }

    private ServerState state(TestServer server) {
        return pool.stats().server(server.address()).state();
    }

    @Test
    void oneOfThreeStoppedUnderLoadCostsCallersNothingAndComesBack() throws Exception {
        pool = builder(3).ejection(3, Duration.ofMillis(300), Duration.ofSeconds(2), 50).build();
        TestServer victim = servers.get(1);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong operations = new AtomicLong();
        AtomicInteger borrowErrors = new AtomicInteger();
        AtomicInteger executeErrors = new AtomicInteger();
        AtomicInteger brokenLeases = new AtomicInteger();
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int id = t;
            futures.add(threads.submit(() -> {
                for (int i = 0; running.get() && i < 200_000; i++) {
                    String line = id + "-" + i;
                    if (i % 2 == 0) {
                        Lease<SocketConnection> lease;
                        try {
                            lease = pool.borrow();
                        } catch (RuntimeException e) {
                            borrowErrors.incrementAndGet();
                            seen.add(e);
                            continue;
                        }
                        try (lease) {
                            try {
                                assertThat(Lines.roundTrip(lease.connection(), line)).isEqualTo(line);
                            } catch (IOException e) {
                                brokenLeases.incrementAndGet(); // its server went away while it was leased
                                lease.invalidate(); // before try-with-resources closes it: not returned as healthy
                            }
                        }
                    } else {
                        try {
                            String echoed = pool.execute(c -> Lines.roundTrip(c, line));
                            assertThat(echoed).isEqualTo(line);
                        } catch (RuntimeException e) {
                            executeErrors.incrementAndGet();
                            seen.add(e);
                        }
                    }
                    operations.incrementAndGet();
                }
                return null;
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> operations.get() > 500);
        victim.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> state(victim) == ServerState.EJECTED);
        long afterEjection = operations.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> operations.get() > afterEjection + 1000);
        victim.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).until(() -> state(victim) == ServerState.ACTIVE);
        long readmittedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
        long readmitted = operations.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> operations.get() > readmitted + 500);
        running.set(false);
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        threads.shutdown();

        assertThat(seen).as("errors seen by callers").isEmpty();
        assertThat(borrowErrors.get()).isZero();
        assertThat(executeErrors.get()).isZero();
        assertThat(events).contains("ejected " + victim.address(), "readmitted " + victim.address());
        // Ejection time (at most 2 s after back-off growth) plus one probe.
        assertThat(readmittedAfterMs).isLessThan(2_000 + 1_000);
        assertThat(pool.stats().server(victim.address()).ejections()).isGreaterThanOrEqualTo(1);
        assertThat(victim.accepted()).as("traffic reaches it again").isGreaterThan(0);
        for (ServerStats s : pool.stats().servers()) {
            assertThat(s.created() - s.destroyed()).isEqualTo(s.active() + s.idle());
        }
    }

    @Test
    void ejectionTimeDoublesWhileTheServerStaysDownAndIsCapped() throws Exception {
        pool = builder(3).ejection(1, Duration.ofMillis(100), Duration.ofMillis(400), 50).build();
        TestServer down = servers.get(0);
        down.stop();
        assertThatThrownBy(() -> pool.borrow(down.address())).isInstanceOf(ConnectFailedException.class);
        assertThat(state(down)).isEqualTo(ServerState.EJECTED);
        assertThatThrownBy(() -> pool.borrow(down.address())).isInstanceOf(NoServerAvailableException.class)
                .hasMessageContaining("ejected");
        // No traffic reaches it: the background probe runs each trial.
        await().atMost(Duration.ofSeconds(10)).until(() -> ejections.get(down.address()).size() >= 5);
        assertThat(ejections.get(down.address()).subList(0, 5)).containsExactly(100L, 200L, 400L, 400L, 400L);
        assertThat(pool.stats().server(down.address()).ejections()).isGreaterThanOrEqualTo(5);

        down.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> state(down) == ServerState.ACTIVE);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted)).as("within max-time + one probe")
                .isLessThan(400 + 1_000);
        assertThat(events).contains("readmitted " + down.address());
        try (Lease<SocketConnection> lease = pool.borrow(down.address())) {
            assertThat(Lines.roundTrip(lease.connection(), "back")).isEqualTo("back");
        }
    }

    @Test
    void neverEjectsMoreThanMaxPercentAndKeepsServing() throws Exception {
        pool = builder(4).ejection(1, Duration.ofSeconds(30), Duration.ofSeconds(60), 50).retryAttempts(4).build();
        for (int i = 0; i < 3; i++) {
            servers.get(i).stop();
        }
        for (int i = 0; i < 40; i++) {
            String echoed = pool.execute(c -> Lines.roundTrip(c, "x"));
            assertThat(echoed).isEqualTo("x");
        }
        PoolStats stats = pool.stats();
        assertThat(stats.servers()).filteredOn(s -> s.state() == ServerState.EJECTED).hasSize(2);
        assertThat(stats.servers()).filteredOn(s -> s.state().acceptsBorrows()).hasSize(2);
        assertThat(stats.usableServers()).as("the stopped one left ACTIVE is failing: not usable").isEqualTo(1);
        assertThat(stats.server(servers.get(3).address()).state()).isEqualTo(ServerState.ACTIVE);
        assertThat(stats.server(servers.get(3).address()).usable()).isTrue();
    }

    @Test
    void withEveryServerDownBorrowFailsFastWithAClearError() {
        pool = builder(3).ejection(2, Duration.ofMillis(200), Duration.ofSeconds(1), 100).build();
        servers.subList(0, 3).forEach(TestServer::stop);
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(pool::borrow)
                    .isInstanceOf(PoolException.class)
                    .satisfies(e -> assertThat(((PoolException) e).pool()).isEqualTo("failover"))
                    .hasMessageContaining("'failover'");
            // 3 refused connects and 2 pauses of at most 10 ms; far below any connect timeout.
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_000);
        }
        assertThat(pool.stats().servers()).as("never all ejected")
                .filteredOn(s -> s.state().acceptsBorrows()).isNotEmpty();
        assertThat(pool.stats().usableServers()).as("failing servers are not usable").isZero();
        servers.get(2).restartQuietly();
        // while the pool's own trial of the restarted server holds its permit, a borrow finds no server it may use
        await().atMost(Duration.ofSeconds(10)).ignoreException(NoServerAvailableException.class).untilAsserted(() -> {
            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.server()).isEqualTo(servers.get(2).address());
            }
        });
    }

    @Test
    void everyServerHangingMakesExecuteFailWithinItsBound() {
        pool = builder(3).retryAttempts(3).build();
        servers.subList(0, 3).forEach(TestServer::hang);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.execute(c -> Lines.roundTrip(c, "anyone?")))
                .isInstanceOfSatisfying(CallbackFailedException.class, e -> {
                    assertThat(e.getCause()).isInstanceOf(SocketTimeoutException.class);
                    assertThat(e.getSuppressed()).hasSize(2);
                })
                .hasMessageContaining("attempt 3 of 3");
        // 3 attempts x 300 ms read timeout + 2 pauses of at most 10 ms.
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(850L, 3_000L);
    }

    @Test
    void ioExceptionInsideExecuteRunsTheWorkAgainOnAnotherServer() {
        pool = builder(3).build();
        List<ServerAddress> visited = new CopyOnWriteArrayList<>();
        String result = pool.execute(c -> {
            visited.add(c.server());
            if (visited.size() == 1) {
                throw new IOException("broken pipe");
            }
            return Lines.roundTrip(c, "ok");
        });
        assertThat(result).isEqualTo("ok");
        assertThat(visited).hasSize(2).doesNotHaveDuplicates();
        assertThat(pool.stats().server(visited.get(0)).failures()).isEqualTo(1);
        assertThat(pool.stats().server(visited.get(0)).destroyed()).isEqualTo(1);
    }

    @Test
    void hangingServerIsRoutedAroundByExecute() throws Exception {
        pool = builder(3).build();
        servers.get(1).hang();
        for (int i = 0; i < 30; i++) {
            String line = "r" + i;
            String echoed = pool.execute(c -> Lines.roundTrip(c, line));
            assertThat(echoed).isEqualTo(line);
        }
    }

    @Test
    void otherExceptionsFromTheWorkAreNotRetried() {
        pool = builder(3).build();
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> pool.execute(c -> {
            runs.incrementAndGet();
            throw new IllegalArgumentException("bad request");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad request");
        assertThat(runs.get()).isEqualTo(1);
        assertThatThrownBy(() -> pool.execute(c -> {
            runs.incrementAndGet();
            throw new Exception("checked");
        })).isInstanceOf(CallbackFailedException.class).hasRootCauseMessage("checked");
        assertThat(runs.get()).isEqualTo(2);
        PoolStats stats = pool.stats();
        assertThat(stats.servers()).allSatisfy(s -> assertThat(s.failures()).isZero());
        // Issue 12 changed this: a WORK failure says connection and server are fine, so the connection goes back.
        assertThat(stats.servers().stream().mapToLong(ServerStats::destroyed).sum())
                .as("a WORK failure keeps its connection").isZero();
        assertThat(stats.idle()).isEqualTo(stats.servers().stream().mapToLong(ServerStats::created).sum());
    }
    @Test
    void ejectionClosesIdleConnectionsAndReadmissionRefillsMinIdle() {
        AtomicBoolean refuse = new AtomicBoolean();
        CountingFactory<SocketConnection> flaky = new CountingFactory<>(
                new ForwardingFactory<>(SocketConnectionFactory.builder().build()) {
                    @Override
                    public SocketConnection create(ServerAddress server) throws Exception {
                        if (refuse.get() && server.equals(servers.get(0).address())) {
                            throw new java.net.ConnectException("refused by the test");
                        }
                        return super.create(server);
                    }
                });
        pool = MultiPool.builder(flaky).name("refill").listener(recorder)
                .servers(List.of(servers.get(0).address(), servers.get(1).address()))
                .minIdle(2).ejection(3, Duration.ofMillis(300), Duration.ofSeconds(1), 50).build();
        TestServer a = servers.get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().server(a.address()).idle() == 2);

        refuse.set(true);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> pool.borrowNew(a.address())).isInstanceOf(ConnectFailedException.class)
                    .hasMessageContaining("refused by the test");
        }
        assertThat(state(a)).isEqualTo(ServerState.EJECTED);
        // Its idle connections were healthy; ejection closes them anyway.
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().server(a.address()).idle() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.openConnections() == 0);

        refuse.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a) == ServerState.ACTIVE);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().server(a.address()).idle() == 2);
        assertThat(events).containsSubsequence("ejected " + a.address(), "readmitted " + a.address());
        pool.close();
        assertThat(flaky.created.get()).isEqualTo(flaky.destroyed.get());
        assertThat(flaky.errors).isEmpty();
    }
}
