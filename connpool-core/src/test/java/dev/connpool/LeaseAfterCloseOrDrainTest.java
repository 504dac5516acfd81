package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bug 6 of issue 11: a lease made after {@code close()} returned, or on a server already drained, and a
 * {@code close()} that returned while a returning connection was still being destroyed. The borrow's
 * {@link PoolMetrics#acquired} runs between taking the connection and making the lease, so a metrics
 * recorder that closes the pool or removes the server puts the race exactly where it hurt.
 */
class LeaseAfterCloseOrDrainTest {

    private TestServer server;
    private CountingFactory<SocketConnection> counting;
    private final AtomicReference<MultiPool<SocketConnection>> poolRef = new AtomicReference<>();

    @BeforeEach
    void setUp() throws IOException {
        server = TestServer.start();
        counting = CountingFactory.sockets();
    }

    @AfterEach
    void tearDown() {
        MultiPool<SocketConnection> pool = poolRef.get();
        if (pool != null) {
            pool.close();
        }
        server.close();
        assertThat(counting.errors).isEmpty();
        assertThat(counting.live()).as("connections left open after close").isZero();
    }

    private MultiPool<SocketConnection> pool(ConnectionFactory<SocketConnection> factory, PoolMetrics metrics) {
        MultiPool<SocketConnection> pool = MultiPool.builder(factory).name("race").servers(java.util.List.of(server.address()))
                .maxActive(2).maxWait(Duration.ofMillis(500)).shutdownTimeout(Duration.ofSeconds(5)).metrics(metrics)
                .build();
        poolRef.set(pool);
        return pool;
    }

    /** A metrics recorder that runs {@code action} once, inside the first borrow that acquires a connection. */
    private static PoolMetrics onFirstAcquire(Runnable action) {
        AtomicBoolean done = new AtomicBoolean();
        return new PoolMetrics() {
            @Override
            public void acquired(ServerAddress server, long nanos) {
                if (done.compareAndSet(false, true)) {
                    action.run();
                }
            }
        };
    }

    @Test
    void noLeaseIsMadeAfterCloseReturned() {
        MultiPool<SocketConnection> pool = pool(counting, onFirstAcquire(() -> poolRef.get().close()));

        assertThatThrownBy(pool::borrow).isInstanceOf(PoolClosedException.class);
        assertThat(counting.created.get()).isEqualTo(1);
        assertThat(counting.live()).as("the connection taken while the pool closed").isZero();
    }

    @Test
    void noLeaseIsMadeOnAServerDrainedMeanwhile() {
        MultiPool<SocketConnection> pool = pool(counting, onFirstAcquire(() -> poolRef.get().removeServer(server.address())));

        assertThatThrownBy(() -> pool.borrow(server.address())).isInstanceOf(NoServerAvailableException.class);
        assertThat(pool.servers()).isEmpty();
        assertThat(pool.stats().servers()).as("the drained server is forgotten").isEmpty();
        assertThat(counting.live()).as("the connection taken while the server drained").isZero();
    }

    @Test
    void borrowMovesOnWhenItsServerIsDrainedMeanwhile() throws IOException {
        try (TestServer other = TestServer.start()) {
            AtomicReference<ServerAddress> removed = new AtomicReference<>();
            AtomicBoolean done = new AtomicBoolean();
            MultiPool<SocketConnection> pool = pool(counting, new PoolMetrics() {
                @Override
                public void acquired(ServerAddress address, long nanos) {
                    if (done.compareAndSet(false, true)) {
                        removed.set(address);
                        poolRef.get().removeServer(address);
                    }
                }
            });
            pool.addServer(other.address());

            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.server()).as("the server removed while the borrow was under way").isNotEqualTo(removed.get());
            }
            assertThat(pool.stats().servers()).extracting(ServerStats::server).doesNotContain(removed.get());
            pool.close();
        }
    }

    @Test
    void closeReturnsOnlyOnceAReturningConnectionIsDestroyed() throws Exception {
        AtomicReference<SocketConnection> leased = new AtomicReference<>();
        CountDownLatch idleOneDestroyed = new CountDownLatch(1);
        CompletableFuture<Void> closing = new CompletableFuture<>();
        AtomicBoolean closeReturnedWhileDestroying = new AtomicBoolean();
        ConnectionFactory<SocketConnection> factory = new ForwardingFactory<>(counting) {
            @Override
            public void destroy(ServerAddress address, SocketConnection connection) throws Exception {
                if (connection == leased.get()) {
                    try {
                        closing.get(1, TimeUnit.SECONDS); // close() must still be waiting for this lease
                        closeReturnedWhileDestroying.set(true);
                    } catch (TimeoutException expected) {
                        // close() is still waiting: right
                    }
                } else {
                    idleOneDestroyed.countDown();
                }
                super.destroy(address, connection);
            }
        };
        MultiPool<SocketConnection> pool = pool(factory, PoolMetrics.NONE);
        Lease<SocketConnection> lease = pool.borrow();
        pool.borrow().close(); // one idle connection: close() destroys it before it waits for the lease
        leased.set(lease.connection());

        CompletableFuture.runAsync(() -> {
            pool.close();
            closing.complete(null);
        });
        assertThat(idleOneDestroyed.await(5, TimeUnit.SECONDS)).isTrue();
        lease.close(); // on this thread: the closed pool destroys it here

        closing.get(5, TimeUnit.SECONDS);
        assertThat(closeReturnedWhileDestroying).as("close() returned while the returning connection was being destroyed")
                .isFalse();
        assertThat(counting.live()).isZero();
    }

    @Test
    void noUsableLeaseOutlivesCloseUnderLoad() throws Exception {
        for (int round = 0; round < 20; round++) {
            MultiPool<SocketConnection> pool = pool(counting, PoolMetrics.NONE);
            AtomicBoolean closeReturned = new AtomicBoolean();
            AtomicReference<String> violation = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicInteger leases = new java.util.concurrent.atomic.AtomicInteger();
            java.util.List<CompletableFuture<Void>> borrowers = new java.util.ArrayList<>();
            for (int t = 0; t < 3; t++) {
                borrowers.add(CompletableFuture.runAsync(() -> {
                    while (true) {
                        Lease<SocketConnection> lease;
                        try {
                            lease = pool.borrow();
                        } catch (PoolClosedException e) {
                            return;
                        } catch (PoolException e) {
                            continue; // a timeout under contention
                        }
                        leases.incrementAndGet();
                        if (closeReturned.get()) {
                            try {
                                lease.connection();
                                violation.set("a usable lease after close() returned: " + lease);
                            } catch (IllegalStateException expected) {
                                // forced closed by close(): right
                            }
                        }
                        lease.close();
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> leases.get() >= 30);
            pool.close();
            closeReturned.set(true);
            CompletableFuture.allOf(borrowers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(violation.get()).isNull();
            assertThat(counting.live()).as("round " + round).isZero();
        }
    }
}
