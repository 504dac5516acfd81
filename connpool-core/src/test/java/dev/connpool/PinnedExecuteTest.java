package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 4: {@code execute(server, work)} for sharding. The same classification and the same second
 * run on a new connection after a reused one broke, but never another server; refused while the server is
 * ejected or draining.
 */
class PinnedExecuteTest extends AttributionFixture {

    @Test
    void runsOnThatServerOnly() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        for (int i = 0; i < 10; i++) {
            String line = "k" + i;
            String answer = pool.execute(b.address(), c -> c.server() + " " + ClientLike.roundTrip(c, line));
            assertThat(answer).isEqualTo(b.address() + " " + line);
        }
        assertThat(stats(pool, a).created()).isZero();
        assertThat(stats(pool, b).idle()).isEqualTo(1);
    }

    @Test
    void afterARestartTheWorkRunsAgainOnANewConnectionAndNothingFails() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, b, 3);
        restart(b);

        AtomicInteger runs = new AtomicInteger();
        String answer = pool.execute(b.address(), c -> {
            runs.incrementAndGet();
            return ClientLike.roundTrip(c, "after restart");
        });

        assertThat(answer).isEqualTo("after restart");
        assertThat(runs).hasValue(2);
        assertThat(stats(pool, b).failures()).isZero();
        assertThat(stats(pool, b).destroyed()).as("the broken one and its idle siblings").isEqualTo(3);
        assertThat(stats(pool, a).created()).isZero();
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void whileTheServerRefusesConnectionsTheCallFailsWithWhyAndNoOtherServerIsTried() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, b, 1);
        b.stop();

        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> pool.execute(b.address(), c -> {
            runs.incrementAndGet();
            return ClientLike.roundTrip(c, "anyone?");
        })).isInstanceOfSatisfying(ConnectFailedException.class, e -> {
            assertThat(e.server()).isEqualTo(b.address());
            assertThat(e.getCause()).isInstanceOf(ConnectException.class);
            assertThat(e.getSuppressed()).hasSize(1);
        }).hasMessageContaining("could not connect to " + b.address())
                .hasMessageContaining("failed on a reused connection, which broke");
        assertThat(runs).as("the reused connection only: no connection was made after it").hasValue(1);
        assertThat(stats(pool, b).failures()).as("the failed connect").isEqualTo(1);
        assertThat(stats(pool, a).created()).isZero();
    }

    @Test
    void aServerFailureEndsTheCallAndChargesTheServer() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, b, 1);

        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> pool.execute(b.address(), c -> {
            runs.incrementAndGet();
            return ClientLike.roundTrip(c, "BUSY running a script");
        })).isInstanceOfSatisfying(CallbackFailedException.class,
                e -> assertThat(e.getCause()).isInstanceOf(ClientLike.ServerBusy.class))
                .hasMessageContaining("attempt 1 of 1").hasMessageContaining("cannot serve");
        assertThat(runs).hasValue(1);
        assertThat(stats(pool, b).failures()).isEqualTo(1);
        assertThat(stats(pool, a).created()).isZero();
    }

    @Test
    void aWorkFailureIsThrownAsItIsAndKeepsTheConnection() throws Exception {
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(b).build());

        assertThatThrownBy(() -> pool.execute(b.address(), c -> ClientLike.roundTrip(c, "ERR wrong type")))
                .isInstanceOf(ClientLike.BadRequest.class).hasMessage("ERR wrong type");
        assertThat(stats(pool, b).failures()).isZero();
        assertThat(stats(pool, b).idle()).isEqualTo(1);
        assertThat(stats(pool, b).destroyed()).isZero();
    }

    @Test
    void anEjectedOrDrainingServerIsRefusedWithoutRunningTheWork() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        List<String> runs = new CopyOnWriteArrayList<>();

        assertThat(pool.eject(b.address())).isTrue();
        assertThatThrownBy(() -> pool.execute(b.address(), c -> runs.add("ran")))
                .isInstanceOf(NoServerAvailableException.class).hasMessageContaining("is ejected");

        assertThat(pool.readmit(b.address())).isTrue();
        Lease<SocketConnection> held = pool.borrow(b.address());
        assertThat(pool.removeServer(b.address())).isTrue();
        assertThatThrownBy(() -> pool.execute(b.address(), c -> runs.add("ran")))
                .isInstanceOf(NoServerAvailableException.class).hasMessageContaining("being removed");
        held.close();

        assertThatThrownBy(() -> pool.execute(ServerAddress.of("127.0.0.1", 1), c -> runs.add("ran")))
                .isInstanceOf(NoServerAvailableException.class).hasMessageContaining("has no server");
        assertThat(runs).isEmpty();
    }
}
