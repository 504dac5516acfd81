package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Borrower faults: borrowers interrupted while waiting, leases closed twice or used after invalidate, and
 * close() racing with waiters and leases out. */
class BorrowerFaultTest extends FaultScenarios {

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
}
