package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 5 and 9: what never charges a server. A borrow that timed out (the pool was full), the
 * caller's interrupt, a {@code WORK} failure and {@link Lease#discard()} leave the server's streak of failures
 * alone; {@link Lease#invalidate()} still charges. Every pool here ejects on the first failure, so a charge
 * would show as an ejection too.
 */
class NeverChargedTest extends AttributionFixture {

    private MultiPool.Builder<SocketConnection> ejectingAtOnce(TestServer a, TestServer b) {
        return builder(a, b).ejection(1, Duration.ofSeconds(10), Duration.ofSeconds(30), 50);
    }

    private static void notCharged(MultiPool<SocketConnection> pool, TestServer server) {
        ServerStats stats = stats(pool, server);
        assertThat(stats.failures()).as("failures of %s", server.address()).isZero();
        assertThat(stats.state()).isEqualTo(ServerState.ACTIVE);
        assertThat(stats.ejections()).isZero();
    }

    @Test
    void aBorrowThatTimedOutBecauseThePoolWasFull() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(MultiPool.builder(factory).name("full")
                .servers(java.util.List.of(a.address(), b.address())).balancer(FaultScenarios.prefer(a.address()))
                .maxActive(1).maxWait(Duration.ofMillis(50)).ejection(1, Duration.ofSeconds(10), Duration.ofSeconds(30), 50)
                .build()); // the system clock: max-wait must pass
        try (Lease<SocketConnection> held = pool.borrow(a.address())) {
            assertThatThrownBy(() -> pool.borrow(a.address())).isInstanceOf(PoolTimeoutException.class);
            assertThatThrownBy(() -> pool.execute(a.address(), c -> "never")).isInstanceOf(PoolTimeoutException.class);
            assertThatThrownBy(() -> pool.execute(c -> "never")).isInstanceOf(PoolTimeoutException.class);
            assertThat(held.connection()).isNotNull();
        }
        notCharged(pool, a);
    }

    @Test
    void theCallersInterruptDuringTheWork() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(ejectingAtOnce(a, b).build());
        CountDownLatch working = new CountDownLatch(1);
        AtomicReference<Thread> worker = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean flagAfter = new AtomicBoolean();

        CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
            worker.set(Thread.currentThread());
            try {
                return pool.execute(c -> {
                    runs.incrementAndGet();
                    working.countDown();
                    new CountDownLatch(1).await(); // blocked until interrupted
                    return "never";
                });
            } finally {
                flagAfter.set(Thread.interrupted());
            }
        });
        assertThat(working.await(5, TimeUnit.SECONDS)).isTrue();
        worker.get().interrupt();

        assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(CallbackFailedException.class).hasRootCauseInstanceOf(InterruptedException.class);
        assertThat(flagAfter).as("the interrupt flag stays set").isTrue();
        assertThat(runs).as("not run again").hasValue(1);
        notCharged(pool, a);
        notCharged(pool, b);
        assertThat(stats(pool, a).destroyed()).as("its state is unknown: closed").isEqualTo(1);
    }

    @Test
    void anInterruptTheClientTurnedIntoAConnectionFailure() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(ejectingAtOnce(a, b).build());
        AtomicInteger runs = new AtomicInteger();

        try {
            assertThatThrownBy(() -> pool.execute(c -> {
                runs.incrementAndGet();
                Thread.currentThread().interrupt(); // as if it came while the client read
                throw new InterruptedIOException("read interrupted");
            })).isInstanceOf(CallbackFailedException.class).hasCauseInstanceOf(InterruptedIOException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(runs).as("an IOException, but the caller's interrupt: not run again").hasValue(1);
        notCharged(pool, a);
    }

    @Test
    void aWorkFailure() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(ejectingAtOnce(a, b).build());
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> pool.execute(c -> {
            runs.incrementAndGet();
            return ClientLike.roundTrip(c, "ERR no such key");
        })).isInstanceOf(ClientLike.BadRequest.class).hasMessage("ERR no such key");
        assertThatThrownBy(() -> pool.execute(c -> {
            runs.incrementAndGet();
            throw new Exception("checked, not retried");
        })).isInstanceOf(CallbackFailedException.class).hasRootCauseMessage("checked, not retried");

        assertThat(runs).hasValue(2);
        notCharged(pool, a);
        assertThat(stats(pool, a).destroyed()).as("connection and server are fine: kept").isZero();
        assertThat(stats(pool, a).idle()).isEqualTo(1);
        String answer = pool.execute(c -> ClientLike.roundTrip(c, "still fine"));
        assertThat(answer).isEqualTo("still fine");
        assertThat(stats(pool, a).created()).isEqualTo(1);
    }

    @Test
    void discardClosesTheConnectionWithoutChargingAndInvalidateStillCharges() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(ejectingAtOnce(a, b).build());

        Lease<SocketConnection> lease = pool.borrow(a.address());
        SocketConnection connection = lease.connection();
        lease.discard();
        lease.invalidate(); // no-ops once discarded
        lease.close();
        lease.discard();
        assertThatThrownBy(lease::connection).isInstanceOf(IllegalStateException.class);
        assertThat(connection.socket().isClosed()).isTrue();
        notCharged(pool, a);
        assertThat(stats(pool, a).destroyed()).isEqualTo(1);
        assertThat(stats(pool, a).active()).isZero();

        Lease<SocketConnection> blamed = pool.borrow(a.address());
        blamed.invalidate();
        blamed.discard(); // a no-op after invalidate
        assertThat(stats(pool, a).failures()).as("invalidate() charges").isEqualTo(1);
        assertThat(stats(pool, a).state()).isEqualTo(ServerState.EJECTED);
    }
}
