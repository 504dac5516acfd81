package dev.connpool;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The built-in {@link ConnectionFactory} for plain TCP and TLS: connect and read timeouts, TCP_NODELAY,
 * SO_KEEPALIVE, and TLS from an {@link SSLContext} with host name verification on.
 *
 * <p>{@link #validate} finds a connection that the server closed or reset while it sat idle without a
 * round trip, by a non-blocking read of one byte: it costs microseconds.
 *
 * <p>{@link #probe}, the pool's proof that a server serves (the trial that re-admits an ejected server, the
 * health probe), is a round trip when {@link Builder#probe(String, String)} says what to send and what the
 * reply starts with (a line protocol: {@code PING\r\n} and {@code +PONG} for Redis, {@code version\r\n} and
 * {@code VERSION} for memcached); without it, only {@link #validate}, which a hung server passes, and a
 * borrower's lease is the trial ({@link #probeIsRoundTrip}).
 *
 * <p>Immutable and thread-safe.
 */
public final class SocketConnectionFactory implements ConnectionFactory<SocketConnection> {

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final SSLContext sslContext;
    private final boolean verifyHostname;
    /** What a probe sends, or null: no round trip. */
    private final byte[] probeRequest;
    /** What the probe's reply must start with. */
    private final byte[] probeReply;

    private SocketConnectionFactory(Builder builder) {
        this.probeRequest = builder.probeRequest;
        this.probeReply = builder.probeReply;
        this.connectTimeout = builder.connectTimeout;
        this.readTimeout = builder.readTimeout;
        this.tcpNoDelay = builder.tcpNoDelay;
        this.keepAlive = builder.keepAlive;
        this.sslContext = builder.sslContext;
        this.verifyHostname = builder.verifyHostname;
    }

    /**
     * Starts building a factory.
     *
     * @return a builder with the defaults: connect timeout 1 s, read timeout 10 s, TCP_NODELAY and
     *         SO_KEEPALIVE on, no TLS
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public SocketConnection create(ServerAddress server) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            Socket raw = channel.socket();
            raw.setTcpNoDelay(tcpNoDelay);
            raw.setKeepAlive(keepAlive);
            raw.connect(new InetSocketAddress(server.host(), server.port()), millis(connectTimeout));
            raw.setSoTimeout(millis(readTimeout));
            if (sslContext == null) {
                return new SocketConnection(server, channel, raw);
            }
            SSLSocket tls = (SSLSocket) sslContext.getSocketFactory().createSocket(raw, server.host(), server.port(), true);
            SSLParameters parameters = tls.getSSLParameters();
            if (verifyHostname) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            if (!server.host().contains(":") && !Character.isDigit(server.host().charAt(server.host().length() - 1))) {
                parameters.setServerNames(List.of(new SNIHostName(server.host())));
            }
            tls.setSSLParameters(parameters);
            tls.setSoTimeout(millis(connectTimeout)); // the handshake is part of connecting
            tls.startHandshake();
            tls.setSoTimeout(millis(readTimeout));
            return new SocketConnection(server, channel, tls);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Checks, without a round trip, that the peer has not closed or reset the connection. */
    @Override
    public boolean validate(ServerAddress server, SocketConnection connection) {
        return connection.isAlive();
    }

    /**
     * With {@link Builder#probe(String, String)}: sends the request, reads the reply's first line (up to and
     * including its line feed, within the read timeout) and tells whether it starts as it should. Without:
     * {@link #validate}, no round trip.
     *
     * @throws IOException when the server closed the connection or did not answer within the read timeout
     */
    @Override
    public boolean probe(ServerAddress server, SocketConnection connection) throws IOException {
        if (probeRequest == null) {
            return validate(server, connection);
        }
        OutputStream out = connection.output();
        out.write(probeRequest);
        out.flush();
        InputStream in = connection.input();
        boolean matches = true;
        for (int i = 0; ; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection to " + server + " closed before the probe's reply");
            }
            if (i < probeReply.length && b != (probeReply[i] & 0xff)) {
                matches = false;
            }
            if (b == '\n') {
                return matches && i >= probeReply.length;
            }
        }
    }

    /**
     * True with {@link Builder#probe(String, String)}: then the pool alone tries a server whose ejection is over
     * (see {@link ConnectionFactory#probeIsRoundTrip}); without, a borrower's lease is its trial.
     */
    @Override
    public boolean probeIsRoundTrip() {
        return probeRequest != null;
    }

    @Override
    public void destroy(ServerAddress server, SocketConnection connection) throws IOException {
        connection.close();
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }

    @Override
    public String toString() {
        return "SocketConnectionFactory[connectTimeout=" + connectTimeout.toMillis() + "ms, readTimeout="
                + readTimeout.toMillis() + "ms, tcpNoDelay=" + tcpNoDelay + ", keepAlive=" + keepAlive
                + ", tls=" + (sslContext != null) + ", probe=" + (probeRequest != null) + "]";
    }

    /** Builds a {@link SocketConnectionFactory}; every setting has a default. */
    public static final class Builder {

        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration readTimeout = Duration.ofSeconds(10);
        private boolean tcpNoDelay = true;
        private boolean keepAlive = true;
        private SSLContext sslContext;
        private boolean verifyHostname = true;
        private byte[] probeRequest;
        private byte[] probeReply;

        private Builder() {
        }

        /**
         * Makes {@link SocketConnectionFactory#probe} a round trip of a line protocol
         * ({@code socket.probe.request}, {@code socket.probe.reply}): {@code request} is sent as it is (in
         * UTF-8, its line end included), and the reply's first line must start with {@code replyPrefix}. So
         * the trial that re-admits an ejected server, and each health probe, see the server answer, not just
         * accept a connection, and the trial is the pool's alone: no borrower is given a server on trial.
         * Default none: a probe only {@linkplain SocketConnectionFactory#validate validates}, so the trial
         * that re-admits a server is a borrower's lease (a hung server costs that call the read timeout).
         *
         * @param request     what to send, e.g. {@code "PING\r\n"}; not empty
         * @param replyPrefix what the reply's first line starts with, e.g. {@code "+PONG"}; not empty, no line feed
         * @return this builder
         */
        public Builder probe(String request, String replyPrefix) {
            Objects.requireNonNull(request, "socket.probe.request");
            Objects.requireNonNull(replyPrefix, "socket.probe.reply");
            if (request.isEmpty()) {
                throw new IllegalArgumentException("socket.probe.request must not be empty");
            }
            if (replyPrefix.isEmpty() || replyPrefix.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("socket.probe.reply must be a non-empty text without a line feed, got '"
                        + replyPrefix + "'");
            }
            this.probeRequest = request.getBytes(StandardCharsets.UTF_8);
            this.probeReply = replyPrefix.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /**
         * How long a connect (and a TLS handshake) may take ({@code socket.connect-timeout}). Default 1 s.
         *
         * @param connectTimeout positive
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("socket.connect-timeout", connectTimeout);
            return this;
        }

        /**
         * How long a read may block; zero for no limit ({@code socket.read-timeout}). Default 10 s.
         *
         * @param readTimeout zero or more
         * @return this builder
         */
        public Builder readTimeout(Duration readTimeout) {
            Objects.requireNonNull(readTimeout, "socket.read-timeout");
            if (readTimeout.isNegative()) {
                throw new IllegalArgumentException("socket.read-timeout must not be negative, got " + readTimeout);
            }
            this.readTimeout = readTimeout;
            return this;
        }

        /**
         * Sets TCP_NODELAY: send small writes at once ({@code socket.tcp-no-delay}). Default true.
         *
         * @param tcpNoDelay whether to
         * @return this builder
         */
        public Builder tcpNoDelay(boolean tcpNoDelay) {
            this.tcpNoDelay = tcpNoDelay;
            return this;
        }

        /**
         * Sets SO_KEEPALIVE ({@code socket.keep-alive}). Default true.
         *
         * @param keepAlive whether to
         * @return this builder
         */
        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /**
         * Speaks TLS with this context; the server's certificate must match its host name.
         *
         * @param sslContext the context, or {@code null} for plain TCP
         * @return this builder
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * Whether TLS checks that the certificate matches the host name. Default true; turn it off only for
         * tests.
         *
         * @param verifyHostname whether to
         * @return this builder
         */
        public Builder verifyHostname(boolean verifyHostname) {
            this.verifyHostname = verifyHostname;
            return this;
        }

        /**
         * Builds the factory.
         *
         * @return the factory
         */
        public SocketConnectionFactory build() {
            return new SocketConnectionFactory(this);
        }

        private static Duration positive(String key, Duration value) {
            Objects.requireNonNull(value, key);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(key + " must be positive, got " + value);
            }
            return value;
        }
    }
}
