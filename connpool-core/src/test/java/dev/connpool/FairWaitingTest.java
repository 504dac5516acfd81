package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Waiting for a full server: nobody is passed by newcomers for long (see {@link WaitQueue}), an interrupt costs no capacity and is never
 * swallowed, and whatever makes a connection available wakes who waits for it.
 */
class FairWaitingTest {

    private final List<TestServer> servers = new ArrayList<>();
    private CountingFactory<SocketConnection> counting;
    private MultiPool<SocketConnection> pool;

    @BeforeEach
    void setUp() throws IOException {
        servers.add(TestServer.start());
        servers.add(TestServer.start());
        counting = CountingFactory.sockets();
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
        assertThat(counting.errors).isEmpty();
        assertThat(counting.live()).as("connections left open after close").isZero();
        assertThat(counting.destroyed.get()).isEqualTo(counting.created.get());
    }

    private ServerAddress a() {
        return servers.get(0).address();
    }

    private ServerAddress b() {
        return servers.get(1).address();
    }

    private MultiPool.Builder<SocketConnection> builder(ConnectionFactory<SocketConnection> factory) {
        return MultiPool.builder(factory).name("fair-waiting").servers(List.of(a(), b())).retryAttempts(1)
                .shutdownTimeout(Duration.ofSeconds(2));
    }

    /**
     * Issue 11, bug 5, step by step on a fake clock: once a waiter has waited the starvation threshold (a
     * hundredth of max-wait: 100 ms here), a connection given back goes to it, not to the thread that gave it
     * back and borrows again at once.
     */
    @Test
    void aConnectionGivenBackGoesToAStarvingWaiterNotToTheReturner() throws Exception {
        FakeClock clock = new FakeClock();
        pool = builder(counting).maxActive(1).maxWait(Duration.ofSeconds(10)).clock(clock)
                .shutdownTimeout(Duration.ZERO).build(); // on the fake clock a wait for leases would never end
        Lease<SocketConnection> held = pool.borrow(a());
        try { // close() would wait for a lease out on the fake clock, which never moves by itself
            CompletableFuture<Lease<SocketConnection>> waiter = CompletableFuture.supplyAsync(() -> pool.borrow(a()),
                    runnable -> new Thread(runnable, "starving-waiter").start());
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats(a()).waiting() == 1);
            assertThat(pool.starving(a())).as("starving before the threshold").isFalse();

            clock.advance(Duration.ofMillis(150)); // past the threshold; the waiter notices at its next look
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.starving(a()));
            held.close();
            CompletableFuture<Lease<SocketConnection>> returner = CompletableFuture.supplyAsync(() -> pool.borrow(a()),
                    runnable -> new Thread(runnable, "returner").start());

            Lease<SocketConnection> served = waiter.get(5, TimeUnit.SECONDS); // the starving waiter got it
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats(a()).waiting() == 1);
            assertThat(returner).as("the returner queues behind the starving waiter").isNotDone();
            served.close();
            returner.get(5, TimeUnit.SECONDS).close();
        } finally {
            held.close();
        }
        assertThat(counting.created.get()).isEqualTo(1);
    }

    /**
     * Issue 11, bug 5: a borrower that returns and borrows again at once used to take the connection a
     * waiter had been woken for, over and over, until the waiter timed out. Newcomers may now pass a
     * waiter only until it has waited the starvation threshold (2 ms here); then connections go to the line
     * in order. 4 threads on one connection, 200 us of work each: nobody times out within 200 ms.
     */
    @Test
    void noBorrowerIsPassedByNewcomersUntilItTimesOut() throws Exception {
        // 200 ms, not less: on a loaded machine (parallel builds) a holder descheduled for tens of milliseconds
        // made waiters time out with the fairness working; the deterministic test above pins the hand-over.
        pool = builder(counting).maxActive(1).maxWait(Duration.ofMillis(200)).build();
        int threads = 4;
        int rounds = 150;
        AtomicInteger lastReturner = new AtomicInteger(-1);
        AtomicInteger retaken = new AtomicInteger();
        AtomicInteger timeouts = new AtomicInteger();
        AtomicLong worstWaitNanos = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                        long asked = System.nanoTime();
                        try (Lease<SocketConnection> lease = pool.borrow(a())) {
                            worstWaitNanos.accumulateAndGet(System.nanoTime() - asked, Math::max);
                            if (lastReturner.get() == me) {
                                retaken.incrementAndGet();
                            }
                            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // the work
                            lastReturner.set(me);
                        } catch (PoolTimeoutException e) {
                            timeouts.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "fair-" + t);
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(60));
        }

        assertThat(timeouts.get()).as("timeouts (worst wait %d us, leases re-taken by their returner %d of %d)",
                TimeUnit.NANOSECONDS.toMicros(worstWaitNanos.get()), retaken.get(), threads * rounds).isZero();
        // Newcomers may pass a waiter for 1 ms: the returner re-takes less often than when nothing stopped
        // it (322 and 368 of 600 in two runs then; 74 to 167 now, the more the busier the machine).
        assertThat(retaken.get()).as("leases re-taken by the thread that just returned, of %d", threads * rounds)
                .isLessThan(threads * rounds / 2);
    }

    @Test
    void anInterruptWhileWaitingDoesNotLowerMaxTotal() throws Exception {
        CountDownLatch connecting = new CountDownLatch(1);
        CountDownLatch finishConnect = new CountDownLatch(1);
        AtomicBoolean slowConnect = new AtomicBoolean(true);
        pool = builder(new ForwardingFactory<>(counting) {
            @Override
            public SocketConnection create(ServerAddress address) throws Exception {
                if (address.equals(a()) && slowConnect.compareAndSet(true, false)) {
                    connecting.countDown();
                    finishConnect.await();
                }
                return super.create(address);
            }
        }).maxActive(1).maxTotal(2).maxWait(Duration.ofSeconds(5)).build();

        AtomicReference<Lease<SocketConnection>> first = new AtomicReference<>();
        Thread connector = new Thread(() -> first.set(pool.borrow(a())), "connector");
        connector.start();
        connecting.await();
        AtomicReference<Throwable> waiterFailure = new AtomicReference<>();
        Thread waiter = new Thread(() -> waiterFailure.set(catchThrowable(() -> pool.borrow(a()))), "waiter");
        waiter.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> waiter.getState() == Thread.State.WAITING
                || waiter.getState() == Thread.State.TIMED_WAITING);
        waiter.interrupt(); // as Future.cancel(true) does
        waiter.join(5_000);
        finishConnect.countDown();
        connector.join(5_000);
        assertThat(waiterFailure.get()).isInstanceOf(PoolException.class);
        first.get().close();

        // max-total 2 still allows one connection on each server at once
        try (Lease<SocketConnection> onA = pool.borrow(a()); Lease<SocketConnection> onB = pool.borrow(b())) {
            assertThat(onA.server()).isEqualTo(a());
            assertThat(onB.server()).isEqualTo(b());
        }
    }

    @Test
    void aWaiterToldThePoolClosedKeepsItsInterruptFlag() throws Exception {
        CountDownLatch destroying = new CountDownLatch(1);
        CountDownLatch finishDestroy = new CountDownLatch(1);
        AtomicBoolean slowDestroy = new AtomicBoolean(false);
        pool = builder(new ForwardingFactory<>(counting) {
            @Override
            public void destroy(ServerAddress address, SocketConnection connection) throws Exception {
                if (address.equals(b()) && slowDestroy.compareAndSet(true, false)) {
                    destroying.countDown();
                    finishDestroy.await();
                }
                super.destroy(address, connection);
            }
        }).maxActive(1).maxWait(Duration.ofSeconds(30)).build();
        pool.borrow(b()).close(); // an idle connection, closed by close()
        Lease<SocketConnection> held = pool.borrow(a());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean flagKept = new AtomicBoolean();
        CountDownLatch interruptSent = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                pool.borrow(a()).close();
            } catch (RuntimeException e) {
                failure.set(e);
            }
            try {
                interruptSent.await();
                flagKept.set(Thread.currentThread().isInterrupted());
            } catch (InterruptedException e) {
                flagKept.set(true); // the flag was still set
            }
        }, "waiter");
        waiter.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().server(a()).waiting() == 1);
        slowDestroy.set(true);
        Thread closer = new Thread(pool::close, "closer");
        closer.start();
        assertThat(destroying.await(5, TimeUnit.SECONDS)).isTrue(); // the pool is closing now

        waiter.interrupt();
        interruptSent.countDown();
        waiter.join(5_000);
        finishDestroy.countDown();
        held.close();
        closer.join(5_000);

        assertThat(failure.get()).isInstanceOf(PoolClosedException.class);
        assertThat(flagKept).as("interrupt flag after PoolClosedException").isTrue();
    }
}
