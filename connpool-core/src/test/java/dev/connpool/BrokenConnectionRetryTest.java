package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 2 and 3: who is charged when {@code execute}'s work fails, and the stale idle connections
 * a broken one gives away. A {@code CONNECTION} failure on a reused connection runs the work again at once on
 * a new connection to the same server, nobody charged; a failure on a new connection, a failed connect or a
 * {@code SERVER} failure charges the server and moves on, after a back-off pause. Real sockets; the back-off
 * on the fake clock (its pauses recorded, none slept).
 */
class BrokenConnectionRetryTest extends AttributionFixture {

    @Test
    void aReusedConnectionThatBrokeRunsTheWorkAgainOnANewOneToTheSameServerWithoutChargingOrPausing() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, a, 1);
        a.resetAll(); // a reset storm (CLIENT KILL, a proxy restart): the server itself is fine

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        String answer = pool.execute(ClientLike.echo("hello", runs));

        assertThat(answer).isEqualTo("hello");
        assertThat(runs).containsExactly(a.address(), a.address());
        assertThat(clock.sleeps).as("no back-off before the run on a new connection").isEmpty();
        ServerStats sa = stats(pool, a);
        assertThat(sa.failures()).as("not charged").isZero();
        assertThat(sa.state()).isEqualTo(ServerState.ACTIVE);
        assertThat(sa.created()).isEqualTo(2);
        assertThat(sa.destroyed()).as("the broken one").isEqualTo(1);
        assertThat(sa.idle()).as("the new one, back").isEqualTo(1);
        assertThat(stats(pool, b).created()).as("no failover").isZero();
    }

    @Test
    void aResetStormNeverEjectsALiveServer() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).ejection(1, Duration.ofSeconds(2),
                Duration.ofSeconds(30), 50).build());
        for (int storm = 0; storm < 5; storm++) {
            idle(pool, a, 3);
            a.resetAll();
            List<ServerAddress> runs = new CopyOnWriteArrayList<>();
            assertThat(pool.execute(ClientLike.echo("storm " + storm, runs))).isEqualTo("storm " + storm);
            assertThat(runs).containsExactly(a.address(), a.address());
        }
        assertThat(stats(pool, a).ejections()).isZero();
        assertThat(stats(pool, a).failures()).isZero();
    }

    @Test
    void aNewConnectionThatBreaksChargesTheServerAndMovesOnAfterAPause() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        a.resetOnRequest();

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        String answer = pool.execute(ClientLike.echo("hello", runs));

        assertThat(answer).isEqualTo("hello");
        assertThat(runs).containsExactly(a.address(), b.address());
        assertThat(clock.sleeps).hasSize(1);
        assertThat(stats(pool, a).failures()).isEqualTo(1);
        assertThat(stats(pool, a).destroyed()).isEqualTo(1);
        assertThat(stats(pool, a).idle()).isZero();
    }

    @Test
    void aReusedConnectionThenANewOneBreakingChargesTheServerOnceAndMovesOn() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, a, 2);
        a.resetOnRequest();

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        String answer = pool.execute(ClientLike.echo("hello", runs));

        assertThat(answer).isEqualTo("hello");
        assertThat(runs).as("the reused connection, a new one, then another server")
                .containsExactly(a.address(), a.address(), b.address());
        assertThat(stats(pool, a).failures()).as("the new connection's failure only").isEqualTo(1);
        assertThat(stats(pool, a).destroyed()).as("the broken one, its idle sibling, the new one").isEqualTo(3);
        assertThat(clock.sleeps).hasSize(1);
    }

    @Test
    void aServerFailureMovesOnAtOnceWithoutASecondRunOnThatServer() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, a, 1);

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        String answer = pool.execute((connection, server) -> {
            runs.add(server);
            return ClientLike.roundTrip(connection, server.equals(a.address()) ? "BUSY loading" : "hello");
        });

        assertThat(answer).isEqualTo("hello");
        assertThat(runs).containsExactly(a.address(), b.address());
        assertThat(stats(pool, a).failures()).isEqualTo(1);
        assertThat(clock.sleeps).hasSize(1);
    }

    @Test
    void aRestartCostsOneRetryPerServerNotOnePerIdleConnection() throws Exception {
        TestServer a = server();
        MultiPool<SocketConnection> pool = track(builder(a).build());
        idle(pool, a, 4);
        restart(a); // every idle connection is dead now

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        assertThat(pool.execute(ClientLike.echo("one", runs))).isEqualTo("one");
        assertThat(runs).hasSize(2);
        ServerStats sa = stats(pool, a);
        assertThat(sa.destroyed()).as("the broken one and its 3 idle siblings, as old as it").isEqualTo(4);
        assertThat(sa.idle()).isEqualTo(1);
        assertThat(sa.failures()).isZero();

        runs.clear();
        assertThat(pool.execute(ClientLike.echo("two", runs))).isEqualTo("two");
        assertThat(runs).as("the new connection serves at once").hasSize(1);
        assertThat(stats(pool, a).created()).isEqualTo(5);
    }

    @Test
    void idleConnectionsUsedAfterTheBrokenOneStay() throws Exception {
        TestServer a = server();
        MultiPool<SocketConnection> pool = track(builder(a).housekeepingInterval(Duration.ofSeconds(1)).build());
        Lease<SocketConnection> first = pool.borrow(a.address());
        Lease<SocketConnection> second = pool.borrow(a.address());
        Lease<SocketConnection> younger = pool.borrow(a.address());
        SocketConnection youngerConnection = younger.connection();
        first.close();
        second.close(); // both last used well in this epoch
        clock.advance(Duration.ofSeconds(1));
        housekeeping.runDue(); // a maintenance run: a new use epoch begins

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        String answer = pool.execute(ClientLike.echo("hello", runs, connection -> {
            younger.close(); // used well in the new epoch, while the work runs on an older one
            throw new ClientLike.LinkBroken(new java.io.EOFException("the older one broke"));
        }));

        assertThat(answer).isEqualTo("hello");
        ServerStats sa = stats(pool, a);
        assertThat(sa.destroyed()).as("the broken one and its sibling of the same epoch").isEqualTo(2);
        assertThat(sa.idle()).as("the younger one and the new one").isEqualTo(2);
        assertThat(youngerConnection.socket().isClosed()).isFalse();
        assertThat(sa.failures()).isZero();
    }

    @Test
    void retriesAreBoundedWhenEveryConnectionBreaks() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).retryAttempts(2).build());
        idle(pool, a, 1);
        idle(pool, b, 1);
        a.resetOnRequest();
        b.resetOnRequest();

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> pool.execute(ClientLike.echo("hello", runs)))
                .isInstanceOfSatisfying(CallbackFailedException.class, e -> {
                    assertThat(e.getCause()).isInstanceOf(ClientLike.LinkBroken.class);
                    assertThat(e.getSuppressed()).hasSize(3);
                })
                .hasMessageContaining("attempt 2 of 2");
        assertThat(runs).as("two runs per attempt at most").containsExactly(a.address(), a.address(), b.address(),
                b.address());
        assertThat(stats(pool, a).failures()).isEqualTo(1);
        assertThat(stats(pool, b).failures()).isEqualTo(1);
    }
}
