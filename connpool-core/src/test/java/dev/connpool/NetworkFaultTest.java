package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Network faults: servers that refuse connections, stall on connect (a full backlog), never answer, answer
 * slowly, reset a connection mid round trip, close idle connections, or stop and come back on the same port. */
class NetworkFaultTest extends FaultScenarios {

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

        // (b) no validation at all: execute's first run meets the dead connection and runs again on a new one
        // to the same server (issue 12: a reused connection that broke does not charge its server)
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
        assertThat(executed.value()).isEqualTo(b.address() + " hello");
        assertThat(executed.ms()).isLessThan(MARGIN);
        assertThat(stats(blind, b).failures()).as("a reused connection that broke does not charge the server").isZero();
        assertThat(stats(blind, b).destroyed()).as("the dead one").isEqualTo(1);
        assertThat(stats(blind, b).idle()).as("the new one, back").isEqualTo(1);
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
}
