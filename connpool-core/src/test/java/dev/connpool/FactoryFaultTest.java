package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Factory faults: a connection factory whose create throws, returns null or blocks, whose validate throws,
 * or whose destroy throws or blocks. */
class FactoryFaultTest extends FaultScenarios {

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
}
