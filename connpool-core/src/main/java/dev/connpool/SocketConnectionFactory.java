package dev.connpool;

import java.io.IOException;
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
 * <p>Immutable and thread-safe.
 */
public final class SocketConnectionFactory implements ConnectionFactory<SocketConnection> {

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final SSLContext sslContext;
    private final boolean verifyHostname;

    private SocketConnectionFactory(Builder builder) {
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
                + ", tls=" + (sslContext != null) + "]";
    }

    /** Builds a {@link SocketConnectionFactory}; every setting has a default. */
    public static final class Builder {

        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration readTimeout = Duration.ofSeconds(10);
        private boolean tcpNoDelay = true;
        private boolean keepAlive = true;
        private SSLContext sslContext;
        private boolean verifyHostname = true;

        private Builder() {
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
