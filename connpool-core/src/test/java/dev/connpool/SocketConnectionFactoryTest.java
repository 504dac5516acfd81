package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The built-in TCP/TLS factory against real sockets on 127.0.0.1. */
class SocketConnectionFactoryTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    /** Polls every few milliseconds, for at most {@link #AWAIT}. */
    private static ConditionFactory soon() {
        return await().atMost(AWAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    private TestServer server;
    private final List<SocketConnection> opened = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = TestServer.start();
    }

    @AfterEach
    void stopServer() throws IOException {
        for (SocketConnection c : opened) {
            c.close();
        }
        server.close();
    }

    private SocketConnection open(SocketConnectionFactory factory) throws IOException {
        SocketConnection c = factory.create(server.address());
        opened.add(c);
        return c;
    }

    private static SocketConnectionFactory plain() {
        return SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(2))
                .build();
    }

    // ---- create and socket options ---------------------------------------------------------------------

    @ParameterizedTest(name = "tcpNoDelay={0} keepAlive={1} readTimeout={2}ms")
    @CsvSource({"true, true, 1500", "false, false, 700", "true, false, 0", "false, true, 250"})
    void createConnectsAndAppliesTheSocketOptions(boolean tcpNoDelay, boolean keepAlive, int readTimeoutMillis)
            throws Exception {
        SocketConnectionFactory factory = SocketConnectionFactory.builder().tcpNoDelay(tcpNoDelay).keepAlive(keepAlive)
                .readTimeout(Duration.ofMillis(readTimeoutMillis)).build();

        SocketConnection c = open(factory);
        Socket socket = c.socket();

        assertThat(c.server()).isEqualTo(server.address());
        assertThat(socket.isConnected()).isTrue();
        assertThat(socket).isNotInstanceOf(SSLSocket.class);
        assertThat(socket.getInetAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(socket.getPort()).isEqualTo(server.port());
        assertThat(socket.getTcpNoDelay()).as("TCP_NODELAY").isEqualTo(tcpNoDelay);
        assertThat(socket.getKeepAlive()).as("SO_KEEPALIVE").isEqualTo(keepAlive);
        assertThat(socket.getSoTimeout()).as("SO_TIMEOUT").isEqualTo(readTimeoutMillis);
        assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");
        soon().until(() -> server.accepted() == 1);

        factory.destroy(server.address(), c);
        assertThat(socket.isClosed()).isTrue();
        soon().until(() -> server.openConnections() == 0);
    }

    @Test
    void defaultsAreNoDelayKeepAliveAndTenSecondReadTimeout() throws Exception {
        SocketConnection c = open(SocketConnectionFactory.builder().build());

        assertThat(c.socket().getTcpNoDelay()).isTrue();
        assertThat(c.socket().getKeepAlive()).isTrue();
        assertThat(c.socket().getSoTimeout()).isEqualTo(10_000);
    }

    // ---- validate ----------------------------------------------------------------------------------------

    @Test
    void validateIsTrueForAHealthyIdleConnection() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);

        assertThat(factory.validate(server.address(), c)).isTrue();
        assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");
        assertThat(factory.validate(server.address(), c)).isTrue();
    }

    @Test
    void validateIsFalseOnceTheServerClosedTheConnection() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);
        assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");
        assertThat(factory.validate(server.address(), c)).isTrue();

        server.closeAll(); // FIN

        soon().until(() -> !factory.validate(server.address(), c));
        assertThat(factory.validate(server.address(), c)).as("still false on a second look").isFalse();
    }

    @Test
    void validateIsFalseOnceTheServerResetTheConnection() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);
        assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");
        assertThat(factory.validate(server.address(), c)).isTrue();

        server.resetAll(); // RST

        soon().until(() -> !factory.validate(server.address(), c));
        assertThat(factory.validate(server.address(), c)).as("still false on a second look").isFalse();
    }

    @Test
    void validateIsFalseWhenUnreadBytesWaitInTheSocket() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);
        assertThat(factory.validate(server.address(), c)).isTrue();

        // a request whose answer nobody reads: the protocol is out of step
        c.output().write("PING\n".getBytes(StandardCharsets.UTF_8));
        c.output().flush();

        soon().until(() -> !factory.validate(server.address(), c));
        assertThat(server.openConnections()).as("the server did not close it").isEqualTo(1);
    }

    @Test
    void validateIsFalseWhenAnUnreadLineWaitsBehindAReadOne() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);

        // two requests at once, one answer read: the second answer waits (in the buffer or the socket)
        c.output().write("first\n".getBytes(StandardCharsets.UTF_8));
        c.output().flush();
        assertThat(Lines.roundTrip(c, "second")).isEqualTo("first");

        soon().until(() -> !factory.validate(server.address(), c));
    }

    @Test
    void validateIsFalseAfterDestroy() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);

        factory.destroy(server.address(), c);

        assertThat(factory.validate(server.address(), c)).isFalse();
    }

    @Test
    void aHealthyConnectionStaysUsableAfterManyValidations() throws Exception {
        SocketConnectionFactory factory = plain();
        SocketConnection c = open(factory);

        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 200; i++) {
                assertThat(factory.validate(server.address(), c)).as("validation %d of round %d", i, round).isTrue();
            }
            assertThat(Lines.roundTrip(c, "line-" + round)).isEqualTo("line-" + round);
        }
        assertThat(c.socket().getSoTimeout()).isEqualTo(2_000);
        assertThat(server.accepted()).isEqualTo(1);
    }

    // ---- failures ------------------------------------------------------------------------------------------

    @Test
    void connectToAStoppedServerFailsFastWithConnectException() {
        SocketConnectionFactory factory = SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(5)).build();
        ServerAddress address = server.address();
        server.stop();

        long start = System.nanoTime();
        assertThatThrownBy(() -> factory.create(address)).isInstanceOf(ConnectException.class);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(millis).as("refused at once, not after the 5 s connect timeout").isLessThan(2_000);
    }

    @Test
    void aReadOnAHangingServerTimesOutAfterTheReadTimeout() throws Exception {
        SocketConnectionFactory factory = SocketConnectionFactory.builder().readTimeout(Duration.ofMillis(200)).build();
        SocketConnection c = open(factory);
        assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");

        server.hang();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Lines.roundTrip(c, "PING")).isInstanceOf(SocketTimeoutException.class);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(millis).as("waited about the read timeout").isBetween(150L, 3_000L);
    }

    // ---- builder -------------------------------------------------------------------------------------------

    @Test
    void builderRejectsAZeroOrNegativeConnectTimeout() {
        assertThatThrownBy(() -> SocketConnectionFactory.builder().connectTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socket.connect-timeout");
        assertThatThrownBy(() -> SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socket.connect-timeout");
    }

    @Test
    void builderRejectsANegativeReadTimeoutButAcceptsZero() {
        assertThatThrownBy(() -> SocketConnectionFactory.builder().readTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socket.read-timeout");
        assertThat(SocketConnectionFactory.builder().readTimeout(Duration.ZERO).build()).isNotNull();
    }

    // ---- TLS -----------------------------------------------------------------------------------------------

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Tls {

        /** Certificate for ip:127.0.0.1 and dns:localhost. */
        private KeyStore matching;
        /** Certificate for dns:other.example only. */
        private KeyStore other;
        /** Trusts both certificates. */
        private SSLContext client;

        private final List<AutoCloseable> closeables = new ArrayList<>();

        @BeforeAll
        void makeCertificates(@TempDir Path dir) throws Exception {
            matching = TestCertificates.keystore(dir, "matching", "CN=localhost", "ip:127.0.0.1,dns:localhost");
            other = TestCertificates.keystore(dir, "other", "CN=other.example", "dns:other.example");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("matching", matching.getCertificate("server"));
            trust.setCertificateEntry("other", other.getCertificate("server"));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
        }

        @AfterEach
        void closeAll() throws Exception {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
            closeables.clear();
        }

        private <T extends AutoCloseable> T closeLater(T closeable) {
            closeables.add(closeable);
            return closeable;
        }

        private SocketConnectionFactory.Builder tlsFactory() {
            return SocketConnectionFactory.builder().sslContext(client).connectTimeout(Duration.ofSeconds(3))
                    .readTimeout(Duration.ofSeconds(3));
        }

        /**
         * A pool over one TLS server. Validation is off: these tests are about TLS itself (handshake, host
         * name verification); validation of TLS connections has tests of its own.
         */
        private MultiPool<SocketConnection> pool(ConnectionFactory<SocketConnection> factory, TlsTestServer tls) {
            return closeLater(MultiPool.builder(factory).name("tls").servers(List.of(tls.address())).retryAttempts(1)
                    .validateOnBorrow(false).build());
        }

        @Test
        void aPoolRoundTripsALineOverTls() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(matching));
            CountingFactory<SocketConnection> factory = new CountingFactory<>(tlsFactory().build());
            MultiPool<SocketConnection> pool = pool(factory, tls);

            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.connection().socket()).isInstanceOf(SSLSocket.class);
                SSLSocket socket = (SSLSocket) lease.connection().socket();
                assertThat(socket.getSession().isValid()).isTrue();
                assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(matching.getCertificate("server"));
                assertThat(socket.getSoTimeout()).as("read timeout after the handshake").isEqualTo(3_000);
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
            }
            String echoed = pool.execute(c -> Lines.roundTrip(c, "over tls"));
            assertThat(echoed).isEqualTo("over tls");
            assertThat(factory.created.get()).as("the idle TLS connection was reused").isEqualTo(1);
            assertThat(tls.handshakes()).isEqualTo(1);
            pool.close();
            assertThat(factory.destroyed.get()).isEqualTo(1);
            assertThat(factory.errors).isEmpty();
        }

        @Test
        void aCertificateForAnotherHostIsRejected() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(other));
            MultiPool<SocketConnection> pool = pool(tlsFactory().build(), tls);

            assertThatThrownBy(pool::borrow)
                    .isInstanceOf(ConnectFailedException.class)
                    .satisfies(e -> assertThat(((ConnectFailedException) e).server()).isEqualTo(tls.address()))
                    .satisfies(e -> assertThat(causes(e)).anyMatch(SSLHandshakeException.class::isInstance));
            assertThatThrownBy(() -> tlsFactory().build().create(tls.address()))
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining("127.0.0.1");
            assertThat(tls.handshakes()).as("no handshake completed").isZero();
        }

        @Test
        void withoutHostnameVerificationACertificateForAnotherHostIsAccepted() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(other));
            MultiPool<SocketConnection> pool = pool(tlsFactory().verifyHostname(false).build(), tls);

            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.connection().socket()).isInstanceOf(SSLSocket.class);
                assertThat(((SSLSocket) lease.connection().socket()).getSession().getPeerCertificates()[0])
                        .isEqualTo(other.getCertificate("server"));
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
            }
        }

        // ---- validate() of TLS connections ----------------------------------------------------------
        // With TLS 1.3 (the JDK's default) the server sends NewSessionTicket records right after the
        // handshake; the client's SSLSocket reads them only with its next read. They wait in the socket under
        // the TLS layer, where SocketConnection.isAlive() looks with a one-byte non-blocking channel read.

        @Test
        void validateIsTrueForAHealthyIdleTlsConnection() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(matching));
            SocketConnectionFactory factory = tlsFactory().build();
            SocketConnection c = factory.create(tls.address());
            closeLater(c::close);
            soon().until(() -> tls.handshakes() == 1); // the server is done with the handshake (and its tickets)

            assertThat(factory.validate(tls.address(), c))
                    .as("validate() of a healthy, idle %s connection", ((SSLSocket) c.socket()).getSession().getProtocol())
                    .isTrue();
        }

        @Test
        void validateLeavesATlsConnectionUsable() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(matching));
            SocketConnectionFactory factory = tlsFactory().readTimeout(Duration.ofSeconds(1)).build();
            SocketConnection c = factory.create(tls.address());
            closeLater(c::close);
            soon().until(() -> tls.handshakes() == 1);

            factory.validate(tls.address(), c); // whatever it says, it must not eat the connection's bytes

            assertThat(Lines.roundTrip(c, "PING")).as("a round trip after validate()").isEqualTo("PONG");
        }

        @Test
        void validateIsFalseOnceTheServerClosedAnIdleTlsConnection() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(matching));
            SocketConnectionFactory factory = tlsFactory().build();
            SocketConnection c = factory.create(tls.address());
            closeLater(c::close);
            assertThat(Lines.roundTrip(c, "PING")).isEqualTo("PONG");
            assertThat(factory.validate(tls.address(), c)).isTrue();

            tls.closeAll();

            soon().until(() -> !factory.validate(tls.address(), c));
        }

        @Test
        void aPoolValidatingOnBorrowReusesAnIdleTlsConnection() throws Exception {
            TlsTestServer tls = closeLater(new TlsTestServer(matching));
            CountingFactory<SocketConnection> factory = new CountingFactory<>(tlsFactory().build());
            // validate-on-borrow on, the default
            MultiPool<SocketConnection> pool = closeLater(MultiPool.builder(factory).name("tls-validated")
                    .servers(List.of(tls.address())).build());

            SocketConnection first;
            try (Lease<SocketConnection> lease = pool.borrow()) {
                first = lease.connection();
            }
            soon().until(() -> tls.handshakes() == 1);

            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.connection()).as("the healthy idle TLS connection is lent again").isSameAs(first);
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
            }
            assertThat(factory.created.get()).isEqualTo(1);
            assertThat(factory.errors).isEmpty();
        }

        private List<Throwable> causes(Throwable e) {
            List<Throwable> chain = new ArrayList<>();
            for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
                chain.add(t);
            }
            return chain;
        }
    }
}
