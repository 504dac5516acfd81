package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Re-admission needs an answer: the trial that ends an ejection, and each health probe, run the factory's
 * {@link ConnectionFactory#probe} on a new connection, a round trip with the read timeout. Over real sockets,
 * on the pool's own housekeeping thread: a hung server (it accepts connections and reads, never answers)
 * stays ejected, trial after trial; once it answers again it comes back. Without a probe that makes a round
 * trip, the same hung server is let back in at its first trial (what the probe fixes).
 */
class ProbeReadmissionTest {

    /** Long enough for an answer on a loaded machine; what a hung server makes each trial wait. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);

    private final List<TestServer> servers = new ArrayList<>();
    private final AtomicInteger readmitted = new AtomicInteger();
    private MultiPool<SocketConnection> pool;

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::stop);
    }

    private MultiPool<SocketConnection> pool(SocketConnectionFactory factory, Duration healthCheck) throws IOException {
        for (int i = 0; i < 2; i++) {
            servers.add(TestServer.start());
        }
        pool = MultiPool.builder(factory).name("probe").servers(servers.stream().map(TestServer::address).toList())
                .ejection(3, Duration.ofMillis(100), Duration.ofMillis(200), 50).healthCheckInterval(healthCheck)
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
    void withoutARoundTripTheSameHungServerIsLetBackIn() throws IOException {
        pool(sockets().build(), Duration.ZERO); // probe = validate: a connect is all it sees
        TestServer hung = servers.get(0);
        hung.hang();
        assertThat(pool.eject(hung.address())).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> readmitted.get() == 1);
        assertThat(pool.stats(hung.address()).state()).isEqualTo(ServerState.ACTIVE);
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
