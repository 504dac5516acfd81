package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 10: with every server failing, the first error reaches the caller within one connect
 * timeout plus the back-off pauses, and its message (not only its suppressed exceptions) says which servers
 * were tried and why each failed. The pauses are on the fake clock: recorded, not slept, so the wall time
 * measured is the pool's own.
 */
class EveryServerFailingTest extends AttributionFixture {

    /** The connect timeout of {@link ClientLike#factory()}. */
    private static final long CONNECT_TIMEOUT_MS = 500;
    private static final long BACKOFF_MAX_MS = 50;

    @Test
    void everyServerKilledWithIdleConnections() throws Exception {
        TestServer a = server();
        TestServer b = server();
        TestServer c = server();
        MultiPool<SocketConnection> pool = track(builder(a, b, c).build());
        for (TestServer s : servers) {
            idle(pool, s, 2);
        }
        servers.forEach(TestServer::stop); // as kill -9: connections closed, connects refused

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        Throwable thrown = null;
        try {
            pool.execute(ClientLike.echo("anyone?", runs));
        } catch (PoolException e) {
            thrown = e;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(thrown).isInstanceOf(ConnectFailedException.class).hasCauseInstanceOf(ConnectException.class);
        assertThat(ms).as("refused connects: well within one connect timeout").isLessThan(CONNECT_TIMEOUT_MS);
        assertThat(clock.sleeps).as("a pause between two servers").hasSize(2);
        assertThat(clock.sleeps.stream().mapToLong(Long::longValue).sum())
                .isLessThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2 * BACKOFF_MAX_MS));
        String message = thrown.getMessage();
        for (TestServer s : servers) {
            assertThat(message).contains("work on " + s.address() + " failed on a reused connection, which broke")
                    .contains("could not connect to " + s.address() + ": java.net.ConnectException");
        }
        assertThat(thrown.getSuppressed()).hasSize(5);
        assertThat(runs).as("once per server, on its reused connection").hasSize(3).doesNotHaveDuplicates();
        for (TestServer s : servers) {
            assertThat(stats(pool, s).failures()).as("the failed connect only").isEqualTo(1);
            assertThat(stats(pool, s).idle()).isZero();
        }
    }

    @Test
    void everyServerRefusingABorrow() throws Exception {
        TestServer a = server();
        TestServer b = server();
        TestServer c = server();
        MultiPool<SocketConnection> pool = track(builder(a, b, c).build());
        servers.forEach(TestServer::stop);

        long start = System.nanoTime();
        assertThatThrownBy(pool::borrow).isInstanceOfSatisfying(ConnectFailedException.class, e -> {
            for (TestServer s : servers) {
                assertThat(e.getMessage()).contains("could not connect to " + s.address());
            }
            assertThat(e.getMessage()).startsWith("pool 'attribution': could not connect to ").contains("; before: (1) ");
            assertThat(e.getSuppressed()).hasSize(2);
        });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(CONNECT_TIMEOUT_MS);
        assertThat(clock.sleeps).hasSize(2);
    }

    @Test
    void everyServerAnsweringThatItCannotServe() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).retryAttempts(2).build());

        assertThatThrownBy(() -> pool.execute(c -> ClientLike.roundTrip(c, "BUSY " + c.server())))
                .isInstanceOfSatisfying(CallbackFailedException.class, e -> {
                    assertThat(e.getCause()).isInstanceOf(ClientLike.ServerBusy.class);
                    assertThat(e.getMessage()).contains("work on " + a.address() + " failed (attempt 1 of 2; the server"
                            + " cannot serve").contains("work on " + b.address() + " failed (attempt 2 of 2; the server"
                            + " cannot serve").contains("BUSY " + a.address()).contains("BUSY " + b.address());
                });
        assertThat(clock.sleeps).hasSize(1);
    }

    @Test
    void aCallAfterTheServersFailedIsRefusedAtOnceAndSaysWhy() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).retryAttempts(2)
                .ejection(1, Duration.ofSeconds(10), Duration.ofSeconds(30), 100).build());
        servers.forEach(TestServer::stop);

        assertThatThrownBy(pool::borrow).isInstanceOf(ConnectFailedException.class);
        ServerAddress ejected = pool.stats().servers().stream().filter(s -> s.state() == ServerState.EJECTED)
                .map(ServerStats::server).findFirst().orElseThrow();
        assertThatThrownBy(() -> pool.borrow(ejected)).isInstanceOf(NoServerAvailableException.class)
                .hasMessageContaining("is ejected").hasMessageContaining("ConnectException");
    }
}
