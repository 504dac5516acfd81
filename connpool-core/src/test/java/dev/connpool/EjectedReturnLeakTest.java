package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection given back to a server that was ejected while borrowers wait for it must not leave a
 * connection behind that nobody owns.
 *
 * <p>What happens: the returned connection's server is ejected, so KeyedPoolAdapter's passivateObject
 * refuses it; commons-pool2 destroys it and, because a borrower waits, makes a new connection at once
 * ({@code GenericKeyedObjectPool.whenWaitersAddObject -> addObject}). addObject passivates the new
 * connection too, which is refused again; but addObject does not clean up after a failed passivate: the
 * new connection stays in commons-pool2's list of all objects, neither idle nor lent, open, counted as
 * active, holding one of the server's max-active slots, and is never closed, not even by
 * {@link MultiPool#close()}.
 */
class EjectedReturnLeakTest {

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
        pool = MultiPool.builder(factory).name("ejected-return")
                .servers(List.of(a.address(), b.address()))
                .maxActive(2).maxIdle(2)
                .maxWait(Duration.ofMillis(500))
                .retryAttempts(1)
                .ejection(1, Duration.ofSeconds(10), Duration.ofSeconds(10), 50) // one failure ejects, for long
                .shutdownTimeout(Duration.ofSeconds(1))
                .build();
        waiters = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        waiters.shutdownNow();
        waiters.awaitTermination(5, TimeUnit.SECONDS);
        pool.close();
        a.close();
        b.close();
    }

    @Test
    void aLeaseReturnedToAnEjectedServerWithWaitersLeaksNoConnection() throws Exception {
        Lease<SocketConnection> first = pool.borrow(a.address());
        Lease<SocketConnection> second = pool.borrow(a.address());
        assertThat(Lines.roundTrip(first.connection(), "PING")).isEqualTo("PONG");

        // two borrowers wait for server a, which is full
        List<Future<Lease<SocketConnection>>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(waiters.submit(() -> pool.borrow(a.address())));
        }
        soon().until(() -> pool.stats().server(a.address()).waiting() == 2);

        // one failure ejects a; the freed slot goes to one of the waiters
        second.invalidate();
        assertThat(pool.stats().server(a.address()).state()).isEqualTo(ServerState.EJECTED);
        soon().until(() -> waiting.stream().filter(Future::isDone).count() == 1);

        // a healthy connection comes back to the ejected server while the other borrower still waits
        first.close();

        // give back whatever the waiters got; the second one times out (or gets a connection)
        for (Future<Lease<SocketConnection>> f : waiting) {
            try {
                f.get(5, TimeUnit.SECONDS).close();
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PoolException.class);
            }
        }

        // nothing is lent now: server a must have no active connection, and every connection is accounted for
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
