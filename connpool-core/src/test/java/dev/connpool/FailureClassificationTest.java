package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 1 and 6: {@code execute} retries what the factory's {@code classify} calls
 * {@code CONNECTION} or {@code SERVER}, whatever its type (a client's own unchecked exceptions included),
 * never {@code WORK}; and the work can learn its server.
 */
class FailureClassificationTest extends AttributionFixture {

    private static final ServerAddress SERVER = ServerAddress.of("127.0.0.1", 6379);

    @Test
    void theDefaultReadsTheCauseChain() {
        ConnectionFactory<Object> defaults = new ConnectionFactory<>() {
            @Override
            public Object create(ServerAddress server) {
                return new Object();
            }

            @Override
            public void destroy(ServerAddress server, Object connection) {
            }
        };
        assertThat(defaults.classify(SERVER, new ConnectException("refused"))).isEqualTo(FailureKind.SERVER);
        assertThat(defaults.classify(SERVER, new SocketTimeoutException("read"))).isEqualTo(FailureKind.SERVER);
        assertThat(defaults.classify(SERVER, new NoRouteToHostException())).isEqualTo(FailureKind.SERVER);
        assertThat(defaults.classify(SERVER, new SocketException("Connection reset"))).isEqualTo(FailureKind.CONNECTION);
        assertThat(defaults.classify(SERVER, new UncheckedIOException(new EOFException()))).isEqualTo(FailureKind.CONNECTION);
        assertThat(defaults.classify(SERVER, new IllegalStateException("client", new SocketTimeoutException())))
                .isEqualTo(FailureKind.SERVER);
        assertThat(defaults.classify(SERVER, new IOException("wrapped", new ConnectException()))).isEqualTo(FailureKind.SERVER);
        assertThat(defaults.classify(SERVER, new IllegalArgumentException("bad key"))).isEqualTo(FailureKind.WORK);
        assertThat(defaults.classify(SERVER, new Exception("checked"))).isEqualTo(FailureKind.WORK);
    }

    @Test
    void aClientsOwnUncheckedConnectionFailureFailsOverAndChargesTheServer() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        a.resetOnRequest(); // every new connection to it breaks: the server is at fault

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            runs.clear();
            assertThat(pool.execute(ClientLike.echo("x" + i, runs))).isEqualTo("x" + i);
            if (stats(pool, a).state() == ServerState.ACTIVE) {
                assertThat(runs).containsExactly(a.address(), b.address());
            }
        }
        assertThat(stats(pool, a).state()).as("three failures in a row").isEqualTo(ServerState.EJECTED);
    }

    @Test
    void anUncheckedIoExceptionIsRetriedByDefault() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(MultiPool.builder(new ForwardingFactory<>(
                SocketConnectionFactory.builder().build()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                return factory.create(server); // counted by the fixture's factory
            }

            @Override
            public void destroy(ServerAddress server, SocketConnection connection) throws Exception {
                factory.destroy(server, connection);
            }
        }).name("defaults").servers(List.of(a.address(), b.address())).balancer(FaultScenarios.prefer(a.address()))
                .clock(clock).scheduler(housekeeping).shutdownTimeout(java.time.Duration.ZERO).build());

        List<ServerAddress> runs = new CopyOnWriteArrayList<>();
        String answer = pool.execute((c, server) -> {
            runs.add(server);
            if (runs.size() == 1) {
                throw new UncheckedIOException(new EOFException("stream ended"));
            }
            return Lines.roundTrip(c, "ok");
        });
        assertThat(answer).isEqualTo("ok");
        assertThat(runs).containsExactly(a.address(), b.address());
        assertThat(stats(pool, a).failures()).as("a new connection broke").isEqualTo(1);
    }

    @Test
    void aWorkFailureIsNotRetriedAndItsConnectionGoesBack() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> pool.execute(c -> {
            runs.incrementAndGet();
            return ClientLike.roundTrip(c, "ERR unknown command");
        })).isExactlyInstanceOf(ClientLike.BadRequest.class);
        assertThat(runs).hasValue(1);
        assertThat(stats(pool, a).idle()).isEqualTo(1);
        assertThat(stats(pool, a).destroyed()).isZero();
        assertThat(clock.sleeps).isEmpty();
    }

    @Test
    void aClassifyThatThrowsClosesTheConnectionChargesNobodyAndThrowsTheWorksFailure() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(MultiPool.builder(new ForwardingFactory<>(factory) {
            @Override
            public FailureKind classify(ServerAddress server, Throwable failure) {
                throw new IllegalStateException("classifier bug");
            }
        }).name("bad-classifier").servers(List.of(a.address(), b.address())).balancer(FaultScenarios.prefer(a.address()))
                .clock(clock).scheduler(housekeeping).shutdownTimeout(java.time.Duration.ZERO).build());
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> pool.execute(c -> {
            runs.incrementAndGet();
            throw new IOException("broken pipe");
        })).isInstanceOfSatisfying(CallbackFailedException.class, e -> {
            assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("broken pipe");
            assertThat(e.getCause().getSuppressed()).singleElement().satisfies(
                    s -> assertThat(s).hasMessage("classifier bug"));
        });
        assertThat(runs).hasValue(1);
        assertThat(stats(pool, a).failures()).isZero();
        assertThat(stats(pool, a).destroyed()).isEqualTo(1);
    }

    @Test
    void aClassifyThatReturnsNullMeansWork() throws Exception {
        TestServer a = server();
        MultiPool<SocketConnection> pool = track(MultiPool.builder(new ForwardingFactory<>(factory) {
            @Override
            public FailureKind classify(ServerAddress server, Throwable failure) {
                return null;
            }
        }).name("null-classifier").servers(List.of(a.address())).clock(clock).scheduler(housekeeping).shutdownTimeout(java.time.Duration.ZERO).build());

        assertThatThrownBy(() -> pool.execute(c -> {
            throw new IOException("would be CONNECTION by default");
        })).isInstanceOf(CallbackFailedException.class).hasMessageContaining("would be CONNECTION by default");
        assertThat(stats(pool, a).failures()).isZero();
        assertThat(stats(pool, a).idle()).as("WORK: kept").isEqualTo(1);
    }

    @Test
    void theWorkLearnsItsServerOnEveryRun() throws Exception {
        TestServer a = server();
        TestServer b = server();
        MultiPool<SocketConnection> pool = track(builder(a, b).build());
        idle(pool, a, 1);
        a.resetOnRequest(); // the reused connection breaks, then the new one: on to b

        List<String> seen = new CopyOnWriteArrayList<>();
        String answer = pool.execute((connection, server) -> {
            seen.add(server + " on " + connection.server());
            return ClientLike.roundTrip(connection, "where");
        });

        assertThat(answer).isEqualTo("where");
        assertThat(seen).containsExactly(a.address() + " on " + a.address(), a.address() + " on " + a.address(),
                b.address() + " on " + b.address());
    }
}
