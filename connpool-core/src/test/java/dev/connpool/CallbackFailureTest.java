package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * User callbacks on the borrow and return paths that throw (bug 8 of issue 11 and its kin): whatever a
 * {@link PoolMetrics}, a {@link PoolListener} or the work of {@link MultiPool#execute} throws, the connection
 * goes back (or is destroyed) and the pool goes on working. Max-active is 1 throughout, so a connection
 * kept by mistake makes the next borrow time out.
 */
class CallbackFailureTest {

    private final List<TestServer> servers = new ArrayList<>();
    private final List<MultiPool<?>> pools = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;

    @BeforeEach
    void setUp() throws IOException {
        servers.add(TestServer.start());
        servers.add(TestServer.start());
        factory = CountingFactory.sockets();
    }

    @AfterEach
    void tearDown() {
        pools.forEach(MultiPool::close);
        servers.forEach(TestServer::close);
        assertThat(factory.errors).isEmpty();
        assertThat(factory.live()).as("connections left open after close").isZero();
    }

    private MultiPool.Builder<SocketConnection> builder() {
        return MultiPool.builder(factory).name("callbacks").servers(List.of(servers.get(0).address()))
                .maxActive(1).maxWait(Duration.ofMillis(300)).retryAttempts(1);
    }

    private MultiPool<SocketConnection> track(MultiPool<SocketConnection> pool) {
        pools.add(pool);
        return pool;
    }

    /** Throws {@code failure} from {@link #acquired} while {@link #failing} is set. */
    private static final class ThrowingMetrics implements PoolMetrics {
        final AtomicBoolean failing = new AtomicBoolean(true);
        private final RuntimeException exception;
        private final Error error;

        ThrowingMetrics(RuntimeException exception, Error error) {
            this.exception = exception;
            this.error = error;
        }

        @Override
        public void acquired(ServerAddress server, long nanos) {
            if (failing.get()) {
                if (error != null) {
                    throw error;
                }
                throw exception;
            }
        }
    }

    @Test
    void anAcquiredMetricThatThrowsNeitherFailsTheBorrowNorLeaksTheConnection() throws IOException {
        ThrowingMetrics metrics = new ThrowingMetrics(new IllegalStateException("metrics registry gone"), null);
        MultiPool<SocketConnection> pool = track(builder().metrics(metrics).build());

        for (int i = 0; i < 3; i++) {
            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
            }
        }
        assertThat(pool.stats().servers().get(0).active()).isZero();
        assertThat(factory.created.get()).isEqualTo(1);
    }

    @Test
    void anErrorFromTheAcquiredMetricFailsTheBorrowAndGivesTheConnectionBack() {
        ThrowingMetrics metrics = new ThrowingMetrics(null, new AssertionError("metrics assertion"));
        MultiPool<SocketConnection> pool = track(builder().metrics(metrics).build());

        assertThatThrownBy(pool::borrow).isInstanceOf(AssertionError.class).hasMessage("metrics assertion");
        assertThat(pool.stats().servers().get(0).active()).as("the connection given back").isZero();
        metrics.failing.set(false);
        try (Lease<SocketConnection> lease = pool.borrow()) {
            assertThat(lease.connection().socket().isClosed()).isFalse();
        }
        assertThat(factory.created.get()).as("the same connection, reused").isEqualTo(1);
    }

    @Test
    void anErrorFromTheAcquiredMetricOnAServerBorrowGivesTheConnectionBack() {
        ThrowingMetrics metrics = new ThrowingMetrics(null, new OutOfMemoryError("metrics buffer"));
        MultiPool<SocketConnection> pool = track(builder().metrics(metrics).build());

        assertThatThrownBy(() -> pool.borrowNew(servers.get(0).address())).isInstanceOf(OutOfMemoryError.class);
        assertThatThrownBy(() -> pool.borrow(servers.get(0).address())).isInstanceOf(OutOfMemoryError.class);
        metrics.failing.set(false);
        pool.borrow(servers.get(0).address()).close();
        assertThat(pool.stats().servers().get(0).active()).isZero();
    }

    @Test
    void anErrorFromTheWorkDestroysTheConnection() {
        MultiPool<SocketConnection> pool = track(builder().build());

        assertThatThrownBy(() -> pool.execute(c -> {
            throw new StackOverflowError("deep");
        })).isInstanceOf(StackOverflowError.class);
        assertThat(factory.destroyed.get()).as("its protocol state is unknown: destroyed").isEqualTo(1);
        String reply = pool.execute(c -> Lines.roundTrip(c, "PING"));
        assertThat(reply).isEqualTo("PONG");
    }

    @Test
    void anErrorFromAnEjectionListenerStillEndsTheEjectionAndWakesTheServer() {
        MultiPool<SocketConnection> pool = track(builder()
                .servers(List.of(servers.get(0).address(), servers.get(1).address()))
                .ejection(1, Duration.ofMillis(50), Duration.ofMillis(100), 50)
                .listener(new PoolListener() {
                    @Override
                    public void serverEjected(String name, ServerAddress server, Duration duration, Throwable cause) {
                        throw new AssertionError("listener assertion");
                    }
                }).build());
        ServerAddress first = servers.get(0).address();

        Lease<SocketConnection> lease = pool.borrow(first);
        assertThatThrownBy(lease::invalidate).isInstanceOf(AssertionError.class);
        assertThat(pool.stats().server(first).active()).isZero();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(
                () -> assertThat(pool.stats().server(first).state()).isEqualTo(ServerState.ACTIVE));
        pool.borrow(first).close();
    }
}
