package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The documented time bound of a whole borrow() (see {@link MultiPool}): every server slow to connect, a
 * borrower arriving while another connects, a borrower interrupted while connecting. */
class BorrowTimeBoundTest extends FaultScenarios {

    // ---- the documented bound of a whole borrow() --------------------------------------------------------------

    @Test
    @Order(17)
    void borrowWithEveryServerSlowToConnectEndsWithinTheDocumentedBound() throws Exception {
        List<FullBacklogServer> full = List.of(fullBacklog(), fullBacklog(), fullBacklog());
        CountingFactory<SocketConnection> factory = sockets();
        int attempts = 3;
        Duration maxWait = Duration.ofMillis(200);
        Duration backoffMax = Duration.ofMillis(100);
        MultiPool<SocketConnection> pool = track(MultiPool.builder(factory).name("faults-bound")
                .servers(full.stream().map(FullBacklogServer::address).toList())
                .maxWait(maxWait).retryAttempts(attempts).backoff(Duration.ofMillis(50), backoffMax, 2.0, 0.2)
                .shutdownTimeout(Duration.ofSeconds(1)).build());
        long t = CONNECT_TIMEOUT.toMillis();
        long bound = attempts * (maxWait.toMillis() + t) + (attempts - 1) * backoffMax.toMillis();

        Timed<Lease<SocketConnection>> result = timed(pool::borrow);
        record("B1 every server's backlog full, " + attempts + " attempts: borrow() (bound " + bound + " ms)", result);
        assertThat(result.error()).isInstanceOfSatisfying(ConnectFailedException.class, e -> {
            assertThat(e.getSuppressed()).hasSize(attempts - 1);
            assertThat(e.getCause()).isInstanceOf(SocketTimeoutException.class);
            for (Throwable earlier : e.getSuppressed()) {
                assertThat(earlier).isInstanceOf(ConnectFailedException.class)
                        .hasCauseInstanceOf(SocketTimeoutException.class);
            }
        });
        assertThat(result.ms()).as("attempts x (max-wait + connect timeout) + (attempts - 1) x backoff.max")
                .isBetween(attempts * t - EARLY, bound + MARGIN);

        assertInvariantsAndClose(pool, factory);
    }

    /**
     * The per-attempt bound of the class Javadoc ("one borrow attempt waits at most max-wait ... plus the
     * time the factory takes to connect") for a borrower that arrives while another one is connecting to
     * the same full server. commons-pool2 2.13.1 makes it wait for the other's connect in
     * GenericKeyedObjectPool.create(): with wait(remaining max-wait) first, then, once max-wait is used up,
     * in a busy loop; when that connect fails it connects itself. So it takes about two connect timeouts,
     * and burns a core meanwhile.
     */
    @Test
    @Order(18)
    void aBorrowerArrivingWhileAnotherConnectsToTheSameServerStaysWithinMaxWaitPlusConnectTimeout() throws Exception {
        FullBacklogServer full = fullBacklog();
        Duration connectTimeout = Duration.ofMillis(1_000);
        Duration maxWait = Duration.ofMillis(50);
        CountDownLatch connecting = new CountDownLatch(1);
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(
                SocketConnectionFactory.builder().connectTimeout(connectTimeout).build()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                connecting.countDown();
                return super.create(server);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("concurrent-connect", factory, full.address()).maxActive(1)
                .maxWait(maxWait).retryAttempts(1).build());
        long bound = maxWait.toMillis() + connectTimeout.toMillis();

        CompletableFuture<Timed<Lease<SocketConnection>>> first = async(() -> timed(() -> pool.borrow(full.address())));
        assertThat(connecting.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicLong cpuNanos = new AtomicLong();
        CompletableFuture<Timed<Lease<SocketConnection>>> second = async(() -> {
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            long before = cpu.getCurrentThreadCpuTime();
            Timed<Lease<SocketConnection>> result = timed(() -> pool.borrow(full.address()));
            cpuNanos.set(cpu.getCurrentThreadCpuTime() - before);
            return result;
        });
        Timed<Lease<SocketConnection>> one = first.get(20, TimeUnit.SECONDS);
        Timed<Lease<SocketConnection>> two = second.get(20, TimeUnit.SECONDS);
        long cpuMs = TimeUnit.NANOSECONDS.toMillis(cpuNanos.get());
        record("B2 max-active 1, backlog full, 2 concurrent borrow(server): the first (bound " + bound + " ms)", one);
        record("B2 ... the second, arriving while the first connects (bound " + bound + " ms, CPU " + cpuMs + " ms)", two);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(one.error()).isInstanceOf(ConnectFailedException.class)
                .hasCauseInstanceOf(SocketTimeoutException.class);
        // The second never starts a connect of its own once its max-wait has run out: it times out, saying how
        // long it really waited (for the first one's connect to end).
        softly.assertThat(two.error()).isInstanceOf(PoolTimeoutException.class).hasMessageContaining("max-wait 50 ms")
                .hasMessageContaining("waited");
        softly.assertThat(one.ms()).as("first borrower: max-wait + connect timeout").isLessThanOrEqualTo(bound + MARGIN);
        softly.assertThat(two.ms()).as("second borrower: max-wait + connect timeout").isLessThanOrEqualTo(bound + MARGIN);
        softly.assertThat(cpuMs).as("CPU time of the second borrower while it waits").isLessThan(100);
        softly.assertAll();

        assertInvariantsAndClose(pool, factory);
    }

    /**
     * A borrower interrupted while its first attempt connects (the factory honours interrupts): the borrow
     * must end, and servers it never really tried must not be charged. With a zero back-off, run() goes on
     * to the next attempts with the interrupt flag set; each of their connects fails at once
     * (ClosedByInterruptException) and is charged to that healthy server as a connect failure.
     */
    @Test
    @Order(19)
    void aBorrowerInterruptedWhileConnectingChargesNoServerItDidNotTry() throws Exception {
        TestServer slow = server();
        TestServer b = server();
        TestServer c = server();
        CountDownLatch connecting = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        CountingFactory<SocketConnection> factory = new CountingFactory<>(new ForwardingFactory<>(plainSockets()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                if (server.equals(slow.address())) {
                    connecting.countDown();
                    never.await(); // a connect that takes its time, and stops when the caller is interrupted
                }
                return super.create(server);
            }
        });
        MultiPool<SocketConnection> pool = track(builder("interrupted-connect", factory, slow, b, c)
                .balancer(prefer(slow.address())).retryAttempts(3)
                .backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0) // valid settings: retry at once
                .build());
        AtomicReference<Thread> borrower = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        CompletableFuture<Timed<Lease<SocketConnection>>> borrowing = async(() -> {
            borrower.set(Thread.currentThread());
            Timed<Lease<SocketConnection>> result = timed(pool::borrow);
            flagAfter.set(Thread.currentThread().isInterrupted());
            return result;
        });
        assertThat(connecting.await(5, TimeUnit.SECONDS)).isTrue();
        long interruptedAt = System.nanoTime();
        borrower.get().interrupt();
        Timed<Lease<SocketConnection>> result = borrowing.get(10, TimeUnit.SECONDS);
        long ms = msSince(interruptedAt);
        if (result.value() != null) {
            result.value().close();
        }
        ServerStats bStats = stats(pool, b);
        ServerStats cStats = stats(pool, c);
        record("B3 borrower interrupted while connecting, back-off 0: borrow()", result.saw() + "; interrupt flag "
                + (flagAfter.get() ? "set" : "CLEARED") + "; failures charged: connecting server "
                + stats(pool, slow).failures() + ", untried servers " + bStats.failures() + " + " + cStats.failures(), ms);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(result.error()).as("the caller's error").isInstanceOf(PoolException.class);
        softly.assertThat(flagAfter.get()).as("interrupt flag kept").isTrue();
        softly.assertThat(ms).as("ends promptly after the interrupt").isLessThan(MARGIN);
        softly.assertThat(bStats.failures()).as("failures charged to %s, which the borrow never really tried", b)
                .isZero();
        softly.assertThat(cStats.failures()).as("failures charged to %s, which the borrow never really tried", c)
                .isZero();
        softly.assertThat(b.accepted() + c.accepted()).as("connections the healthy servers saw").isZero();
        softly.assertAll();

        never.countDown();
        assertInvariantsAndClose(pool, factory, slow, b, c);
    }
}
