package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link Error} from a user callback that holds a connection or a slot (the factory's create, the
 * validation of a new or a parked connection, a listener's connectionCreated) gives both back: the next
 * borrow gets a connection, and every connection made is destroyed once.
 */
class CallbackErrorTest {

    private TestServer server;
    private CountingFactory<SocketConnection> counting;
    private MultiPool<SocketConnection> pool;
    /** Armed: the next call of the callback under test throws an AssertionError, once. */
    private final AtomicBoolean armed = new AtomicBoolean();

    @BeforeEach
    void setUp() throws IOException {
        server = TestServer.start();
        counting = CountingFactory.sockets();
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        server.close();
        assertThat(counting.errors).isEmpty();
        assertThat(counting.live()).as("connections left open after close").isZero();
        assertThat(counting.destroyed.get()).isEqualTo(counting.created.get());
    }

    private MultiPool.Builder<SocketConnection> builder(ConnectionFactory<SocketConnection> factory) {
        return MultiPool.builder(factory).name("callback-errors").servers(java.util.List.of(server.address()))
                .maxActive(1).maxWait(Duration.ofMillis(500)).retryAttempts(1).shutdownTimeout(Duration.ofSeconds(1));
    }

    /** With max-active 1, a slot lost to the failed call would make this borrow time out. */
    private void borrowWorksAgain() {
        try (Lease<SocketConnection> lease = pool.borrow(server.address())) {
            assertThat(lease.connection()).isNotNull();
        }
        assertThat(pool.stats().server(server.address()).active()).isZero();
    }

    @Test
    void anErrorFromCreateGivesTheSlotBack() {
        pool = builder(new ForwardingFactory<>(counting) {
            @Override
            public SocketConnection create(ServerAddress address) throws Exception {
                if (armed.compareAndSet(true, false)) {
                    throw new AssertionError("create failed hard");
                }
                return super.create(address);
            }
        }).build();
        armed.set(true);

        assertThat(catchThrowable(() -> pool.borrow(server.address()))).isInstanceOf(AssertionError.class);

        borrowWorksAgain();
    }

    @Test
    void anErrorFromValidatingANewConnectionDestroysItAndGivesTheSlotBack() {
        pool = builder(new ForwardingFactory<>(counting) {
            @Override
            public boolean validate(ServerAddress address, SocketConnection connection) {
                if (armed.compareAndSet(true, false)) {
                    throw new AssertionError("validate failed hard");
                }
                return super.validate(address, connection);
            }
        }).validateOnBorrow(true).build();
        armed.set(true);

        assertThat(catchThrowable(() -> pool.borrow(server.address()))).isInstanceOf(AssertionError.class);

        assertThat(counting.live()).as("the connection that failed validation").isZero();
        borrowWorksAgain();
    }

    @Test
    void anErrorFromAListenerOnConnectionCreatedDestroysItAndGivesTheSlotBack() {
        pool = builder(counting).listener(new PoolListener() {
            @Override
            public void connectionCreated(String poolName, ServerAddress address) {
                if (armed.compareAndSet(true, false)) {
                    throw new AssertionError("listener failed hard");
                }
            }
        }).build();
        armed.set(true);

        assertThat(catchThrowable(() -> pool.borrow(server.address()))).isInstanceOf(AssertionError.class);

        assertThat(counting.live()).as("the connection the listener heard of").isZero();
        borrowWorksAgain();
    }

    @Test
    void anErrorFromValidatingAParkedConnectionDestroysIt() {
        pool = builder(new ForwardingFactory<>(counting) {
            @Override
            public boolean validate(ServerAddress address, SocketConnection connection) {
                if (armed.compareAndSet(true, false)) {
                    throw new AssertionError("validate failed hard");
                }
                return super.validate(address, connection);
            }
        }).validateOnBorrow(true).build();
        pool.borrow(server.address()).close(); // now parked
        armed.set(true);

        assertThat(catchThrowable(() -> pool.borrow(server.address()))).isInstanceOf(AssertionError.class);

        assertThat(counting.live()).as("the parked connection that failed validation").isZero();
        assertThat(pool.stats().server(server.address()).idle()).isZero();
        borrowWorksAgain();
    }
}
