package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection made for a server that is ejected by the time commons-pool2 stores it as idle must be
 * closed, not lost.
 *
 * <p>KeyedPoolAdapter's passivateObject refuses (throws for) a connection whose server is not usable.
 * commons-pool2 handles that on a return, but not in {@code addObject}, which creates a connection and
 * passivates it: when passivate throws there, the new connection stays in commons-pool2's list of all
 * objects, neither idle nor lent. It stays open, counts as active, holds one of its server's max-active
 * slots for good and is never closed, not even by {@link MultiPool#close()}. addObject runs:
 * <ul>
 *   <li>inside {@code returnObject} and {@code invalidateObject} when borrowers wait for the server
 *       ({@code whenWaitersAddObject}), and</li>
 *   <li>in connpool's min-idle refill ({@code Housekeeper.refill -> KeyedPoolAdapter.addIdle}).</li>
 * </ul>
 */
class EjectedServerLeakTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    private TestServer a;
    private TestServer b;
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;
    private ExecutorService waiters;

    private static ConditionFactory soon() {
        return await().atMost(AWAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    @BeforeEach
    void start() throws IOException {
        a = TestServer.start();
        b = TestServer.start();
        factory = CountingFactory.sockets();
        waiters = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        waiters.shutdownNow();
        waiters.awaitTermination(5, TimeUnit.SECONDS);
        if (pool != null) {
            pool.close();
        }
        a.close();
        b.close();
    }

    private MultiPool.Builder<SocketConnection> builder(ConnectionFactory<SocketConnection> connections) {
        return MultiPool.builder(connections).name("ejected-leak")
                .servers(List.of(a.address(), b.address()))
                .maxWait(Duration.ofMillis(500))
                .retryAttempts(1)
                .ejection(1, Duration.ofSeconds(10), Duration.ofSeconds(10), 50) // one failure ejects, for long
                .shutdownTimeout(Duration.ofSeconds(1));
    }

    @Test
    void aLeaseReturnedToAnEjectedServerWhileBorrowersWaitLeaksNoConnection() throws Exception {
        pool = builder(factory).maxActive(2).maxIdle(2).build();
        Lease<SocketConnection> first = pool.borrow(a.address());
        Lease<SocketConnection> second = pool.borrow(a.address());
        assertThat(Lines.roundTrip(first.connection(), "PING")).isEqualTo("PONG");

        // two borrowers wait for server a, which is full
        List<Future<Lease<SocketConnection>>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(waiters.submit(() -> pool.borrow(a.address())));
        }
        soon().until(() -> pool.stats().server(a.address()).waiting() == 2);

        // one failure ejects a; the waiters wake up and learn that a is ejected (no new connection is made
        // to an ejected server), or one of them gets the freed room first
        second.invalidate();
        assertThat(pool.stats().server(a.address()).state()).isEqualTo(ServerState.EJECTED);
        soon().until(() -> waiting.stream().filter(Future::isDone).count() >= 1);

        // a healthy connection comes back to the ejected server while the other borrower still waits
        first.close();

        // give back whatever the waiters got; the second one times out (or gets a connection)
        for (Future<Lease<SocketConnection>> f : waiting) {
            try {
                f.get(5, TimeUnit.SECONDS).close();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PoolException.class);
            }
        }

        assertNothingLeftBehind();
    }

    @Test
    void aMinIdleRefillThatFinishesAfterAnEjectionLeaksNoConnection() throws Exception {
        // the pool's housekeeping thread opens a's min-idle connection; hold that connect until a is ejected
        CountDownLatch refilling = new CountDownLatch(1);
        CountDownLatch ejected = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        ConnectionFactory<SocketConnection> gated = new ForwardingFactory<>(factory) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                if (server.equals(a.address()) && Thread.currentThread().getName().startsWith("connpool-")
                        && first.compareAndSet(true, false)) {
                    refilling.countDown();
                    assertThat(ejected.await(5, TimeUnit.SECONDS)).isTrue();
                }
                return super.create(server);
            }
        };
        pool = builder(gated).minIdle(1).build();
        assertThat(refilling.await(5, TimeUnit.SECONDS)).as("the min-idle refill of a started").isTrue();

        // one failure ejects a while its refill is connecting
        pool.borrow(a.address()).invalidate();
        assertThat(pool.stats().server(a.address()).state()).isEqualTo(ServerState.EJECTED);
        ejected.countDown();

        assertNothingLeftBehind();
    }

    /** Nothing is lent now: a has no active connection, and every connection made is closed by close(). */
    private void assertNothingLeftBehind() {
        soon().untilAsserted(() -> {
            ServerStats stats = pool.stats().server(a.address());
            assertThat(stats.created() - stats.destroyed()).isEqualTo(stats.active() + stats.idle());
            assertThat(stats.active()).as("active connections of %s with no lease out", stats).isZero();
        });
        pool.close();
        assertThat(factory.destroyed.get()).as("connections destroyed of %d created", factory.created.get())
                .isEqualTo(factory.created.get());
        assertThat(factory.errors).isEmpty();
        soon().untilAsserted(() -> assertThat(a.openConnections()).as("connections left open on server a").isZero());
    }
}
