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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Re-admission needs an answer: the trial that ends an ejection, and each health probe, run the factory's
 * {@link ConnectionFactory#probe} on a new connection, a round trip with the read timeout. Over real sockets,
 * on the pool's own housekeeping thread: a hung server (it accepts connections and reads, never answers)
 * stays ejected, trial after trial; once it answers again it comes back. With such a probe the trial is the
 * pool's alone: callers calling all along never reach the hung server after its ejection. Without one, the pool's
 * own trial can eject it again, and one caller's lease per ejection is its trial (the pool re-admits on a connect
 * only a server no caller came to try, in a pool without traffic). A trial that fails while
 * {@code ejection.max-percent} forbids another ejection leaves the server {@code ACTIVE} and failing, not on
 * trial for good.
 */
class ProbeReadmissionTest {

    /** Long enough for an answer on a loaded machine; what a hung server makes each trial wait. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);

    private final List<TestServer> servers = new ArrayList<>();
    private final AtomicInteger readmitted = new AtomicInteger();
    private final List<Callers> callers = new ArrayList<>();
    private MultiPool<SocketConnection> pool;

    @AfterEach
    void tearDown() {
        callers.forEach(Callers::stop);
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::stop);
    }

    private MultiPool<SocketConnection> pool(SocketConnectionFactory factory, Duration healthCheck) throws IOException {
        return pool(factory, healthCheck, 2, Duration.ofMillis(100));
    }

    private MultiPool<SocketConnection> pool(ConnectionFactory<SocketConnection> factory, Duration healthCheck, int count,
                                             Duration ejectionBase) throws IOException {
        for (int i = 0; i < count; i++) {
            servers.add(TestServer.start());
        }
        pool = MultiPool.builder(factory).name("probe").servers(servers.stream().map(TestServer::address).toList())
                .ejection(3, ejectionBase, ejectionBase.multipliedBy(2), 50).healthCheckInterval(healthCheck)
                .listener(new PoolListener() {
                    @Override
                    public void serverReadmitted(String p, ServerAddress server) {
                        readmitted.incrementAndGet();
                    }
                }).build();
        return pool;
    }

    private static SocketConnectionFactory.Builder sockets() {
        return SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(1)).readTimeout(READ_TIMEOUT);
    }

    @Test
    void aHungServerStaysEjectedAndComesBackOnceItAnswers() throws IOException {
        pool(sockets().probe("PING\n", "PONG").build(), Duration.ZERO);
        TestServer hung = servers.get(0);
        hung.hang();
        assertThat(pool.eject(hung.address())).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats(hung.address()).ejections() >= 4);
        assertThat(readmitted).as("never let back in while it does not answer").hasValue(0);
        assertThat(hung.requests()).as("each trial asked").isGreaterThanOrEqualTo(3);
        assertThat(pool.stats(hung.address()).history()).anySatisfy(change -> {
            assertThat(change.reason()).isEqualTo("trial failed");
            assertThat(change.exception()).isEqualTo(SocketTimeoutException.class.getName()); // the probe's read
        });

        hung.answer();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(hung.address()).state() == ServerState.ACTIVE);
        assertThat(readmitted).hasValue(1);
        try (Lease<SocketConnection> lease = pool.borrow(hung.address())) {
            assertThat(Lines.roundTrip(lease.connection(), "hello")).isEqualTo("hello");
        }
    }

    @Test
    void withARoundTripProbeNoCallerReachesTheHungServerAfterItsEjection() throws IOException {
        pool(sockets().probe("PING\n", "PONG").build(), Duration.ZERO); // no health checks: the trial runs anyway
        TestServer hung = servers.get(0);
        hung.hang();
        assertThat(pool.eject(hung.address())).isTrue();
        Callers calling = callers(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats(hung.address()).ejections() >= 4);
        assertThat(hung.requests()).as("the pool's trials asked it").isGreaterThanOrEqualTo(3);
        calling.stop();

        assertThat(calling.calls(servers.get(1).address())).as("the callers called").isPositive();
        assertThat(calling.calls(hung.address())).as("no caller was given the hung server, nor its trial").isZero();
        assertThat(calling.errors).isEmpty();
        assertThat(calling.slowestNanos.get()).as("no call waited for the read timeout")
                .isLessThan(READ_TIMEOUT.toNanos());
        assertThat(readmitted).hasValue(0);
        assertThat(pool.stats(hung.address()).history()).allSatisfy(change ->
                assertThat(change.origin()).isNotEqualTo(ServerStateChange.Origin.TRAFFIC));

        hung.answer();
        Callers after = callers(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(hung.address()).state() == ServerState.ACTIVE);
        assertThat(readmitted).hasValue(1);
        assertThat(pool.stats(hung.address()).history().get(0).origin()).as("re-admitted by the pool's trial")
                .isEqualTo(ServerStateChange.Origin.PROBE);
        await().atMost(Duration.ofSeconds(20)).until(() -> after.calls(hung.address()) > 0); // its slow start lets calls in
        after.stop();
        assertThat(after.errors).isEmpty();
    }

    @Test
    void withoutARoundTripOneCallerPerEjectionIsTheTrialOfTheHungServer() throws IOException {
        pool(sockets().build(), Duration.ZERO); // probe = validate: a connect is all the pool's trial sees
        TestServer hung = servers.get(0);
        hung.hang();
        assertThat(pool.eject(hung.address())).isTrue();
        Callers calling = callers(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.stats(hung.address()).ejections() >= 4);
        calling.stop();

        long ejections = pool.stats(hung.address()).ejections();
        assertThat(readmitted).as("a connect re-admits nothing").hasValue(0);
        assertThat(calling.calls(hung.address())).as("each ejection after the operator's: one caller's lease, its trial")
                .isEqualTo(ejections - 1);
        assertThat(calling.errors).as("the trial's caller failed over").isEmpty();
        assertThat(pool.stats(hung.address()).history()).anySatisfy(change -> {
            assertThat(change.origin()).isEqualTo(ServerStateChange.Origin.TRAFFIC);
            assertThat(change.reason()).isEqualTo("trial failed");
        });

        hung.answer();
        Callers after = callers(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(hung.address()).state() == ServerState.ACTIVE);
        after.stop();
        assertThat(readmitted).hasValue(1);
        assertThat(after.errors).isEmpty();
    }

    @Test
    void withoutARoundTripAndWithoutTrafficTheServerComesBackOnAConnectOnceNoLeaseTriedIt() throws IOException {
        pool(sockets().build(), Duration.ZERO);
        TestServer down = servers.get(0);
        down.stop();
        assertThat(pool.eject(down.address())).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(down.address()).ejections() >= 2); // refused
        assertThat(pool.stats(down.address()).history().get(0).origin()).as("the pool's connect failed")
                .isEqualTo(ServerStateChange.Origin.PROBE);

        down.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(down.address()).state() == ServerState.ACTIVE);
        assertThat(readmitted).hasValue(1);
        assertThat(pool.stats(down.address()).history().get(0)).satisfies(change -> {
            assertThat(change.origin()).isEqualTo(ServerStateChange.Origin.PROBE);
            assertThat(change.reason()).isEqualTo("trial passed");
        });
    }

    @Test
    void aProbingServerWhoseTrialFailsWhileTheCapIsReachedIsActiveAndFailingThenTriedAgain() throws IOException {
        // Ejections outlast the probe's read timeout, so that another server can be ejected while a trial waits.
        pool(sockets().readTimeout(Duration.ofMillis(500)).probe("PING\n", "PONG").build(), Duration.ZERO, 3,
                Duration.ofSeconds(2));
        TestServer hung = servers.get(0);
        ServerAddress other = servers.get(1).address();
        hung.hang();
        assertThat(pool.eject(hung.address())).isTrue();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> pool.stats(hung.address()).state() == ServerState.PROBING);
        assertThat(pool.eject(other)).as("the one place max-percent 50 gives three servers").isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats(hung.address()).state() == ServerState.ACTIVE);
        ServerStats failing = pool.stats(hung.address());
        assertThat(failing.usable()).as("failing: kept in by the cap, not usable").isFalse();
        assertThat(failing.history().get(0)).satisfies(change -> {
            assertThat(change.from()).isEqualTo(ServerState.PROBING);
            assertThat(change.reason()).isEqualTo("trial failed");
        });
        assertThat(readmitted).hasValue(0);

        hung.answer();
        Callers calling = callers(2); // its try, one call once ejection.base-time has passed, proves it
        await().atMost(Duration.ofSeconds(20)).until(() -> pool.stats(hung.address()).usable());
        calling.stop();
        assertThat(calling.errors).isEmpty();
    }

    @Test
    void aFactoryThatSaysItsProbeIsARoundTripButInheritsItIsRefused() {
        ConnectionFactory<SocketConnection> inherits = new ForwardingFactory<>(sockets().build()) {
            @Override
            public boolean probeIsRoundTrip() {
                return true;
            }
        };
        assertThatThrownBy(() -> MultiPool.builder(inherits).servers(List.of(ServerAddress.of("127.0.0.1", 1))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probeIsRoundTrip()").hasMessageContaining("does not override probe");
        assertThat(sockets().build().probeIsRoundTrip()).isFalse();
        assertThat(sockets().probe("PING\n", "PONG").build().probeIsRoundTrip()).isTrue();
    }

    private Callers callers(int threads) {
        Callers c = new Callers(pool, threads);
        callers.add(c);
        return c;
    }

    /** Threads calling {@code execute} with a line round trip until stopped: who served each call, errors, the slowest. */
    private static final class Callers {
        final Map<ServerAddress, AtomicLong> served = new ConcurrentHashMap<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final AtomicLong slowestNanos = new AtomicLong();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Callers(MultiPool<SocketConnection> pool, int count) {
            for (int i = 0; i < count; i++) {
                Thread t = new Thread(() -> {
                    while (!stopped.get()) {
                        long start = System.nanoTime();
                        try {
                            pool.execute((ServerCallback<SocketConnection, String>) (c, server) -> {
                                served.computeIfAbsent(server, s -> new AtomicLong()).incrementAndGet();
                                return Lines.roundTrip(c, "hello");
                            });
                        } catch (PoolClosedException e) {
                            return;
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                        slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    }
                }, "caller-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        /** Calls whose work ran on {@code server} (a trial's included). */
        long calls(ServerAddress server) {
            AtomicLong n = served.get(server);
            return n == null ? 0 : n.get();
        }

        /** Stops the callers and waits for their last calls. */
        void stop() {
            stopped.set(true);
            for (Thread t : threads) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
            }
        }
    }

    @Test
    void aHealthProbeEjectsAnActiveServerThatHangs() throws IOException {
        pool(sockets().probe("PING\n", "PONG").build(), Duration.ofMillis(50));
        TestServer hung = servers.get(0);
        hung.hang();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats(hung.address()).ejections() >= 1);
        assertThat(pool.stats(hung.address()).history()).anySatisfy(change -> {
            assertThat(change.origin()).isEqualTo(ServerStateChange.Origin.PROBE);
            assertThat(change.to()).isEqualTo(ServerState.EJECTED);
        });
        assertThat(pool.stats(servers.get(1).address()).ejections()).as("the one that answers").isZero();
    }

    @Test
    void theSocketFactorysProbeIsALineRoundTrip() throws Exception {
        TestServer server = TestServer.start();
        servers.add(server);
        SocketConnectionFactory pong = sockets().readTimeout(Duration.ofSeconds(10)).probe("PING\n", "PONG").build();
        SocketConnectionFactory other = sockets().readTimeout(Duration.ofSeconds(10)).probe("PING\n", "PANG").build();
        SocketConnection connection = pong.create(server.address());
        try {
            assertThat(pong.probe(server.address(), connection)).isTrue();
            assertThat(other.probe(server.address(), connection)).isFalse();
            assertThat(Lines.roundTrip(connection, "after")).as("the reply was read whole").isEqualTo("after");
            server.hang();
            connection.socket().setSoTimeout(300); // what the read timeout does: a silent server is a timeout
            assertThatThrownBy(() -> pong.probe(server.address(), connection)).isInstanceOf(SocketTimeoutException.class);
        } finally {
            pong.destroy(server.address(), connection);
        }
        assertThatThrownBy(() -> SocketConnectionFactory.builder().probe("", "PONG"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socket.probe.request");
        assertThatThrownBy(() -> SocketConnectionFactory.builder().probe("PING\n", "PO\nNG"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socket.probe.reply");
    }
}
