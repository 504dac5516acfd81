package dev.connpool.sample;

import dev.connpool.ConnectionFactory;
import dev.connpool.FailureKind;
import dev.connpool.ServerAddress;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Connections to Redis servers through the Jedis client: one {@link Jedis} (one socket) per connection.
 * A new connection must answer {@code PING} with {@code PONG} before the pool may lend it, so a server that
 * accepts connections but is not (or not yet) a working Redis is charged a failure at connect time, not on
 * the first request. {@link #validate} asks Jedis whether the socket is open and not marked broken, without
 * a round trip; {@link #destroy} closes it. {@link #classify} tells the pool what a Jedis exception says
 * about the connection, the server or the work. Thread-safe (each {@link Jedis} is used by one lease at a
 * time).
 */
public final class RedisConnectionFactory implements ConnectionFactory<Jedis> {

    /**
     * The first word of the error replies that say the server cannot serve now, whatever the request: still
     * loading its data set, busy with a script, a replica cut off from its master, a cluster slot moving or
     * down, snapshots failing (writes refused). Other error replies ({@code WRONGTYPE}, {@code ERR},
     * {@code NOAUTH}, {@code READONLY}) are about the request or the client's setup: the work's failure.
     */
    static final Set<String> CANNOT_SERVE = Set.of("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
            "MISCONF");

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final JedisClientConfig config;

    /**
     * @param connectTimeout how long a connect may take (then the server is charged a failure)
     * @param readTimeout    how long a reply may take, {@code PING} on a new connection included (then the
     *                       work's failure is {@link FailureKind#SERVER}: the server is charged, {@code execute}
     *                       moves on to another one)
     * @throws IllegalArgumentException when a timeout is not between 1 ms and {@code Integer.MAX_VALUE} ms
     */
    public RedisConnectionFactory(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis("sample.redis.connect-timeout", connectTimeout))
                .socketTimeoutMillis(millis("sample.redis.read-timeout", readTimeout))
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED) // no CLIENT SETINFO: PING is the one round trip
                .autoNegotiateProtocol(false)                       // RESP2, the one Jedis speaks (no HELLO, no warning)
                .build();
    }

    private static int millis(String property, Duration timeout) {
        if (timeout == null || timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(property + " must be at least 1ms (and at most "
                    + Integer.MAX_VALUE + "ms), got " + timeout);
        }
        return (int) timeout.toMillis();
    }

    /**
     * Connects (Jedis connects in its constructor) and sends {@code PING}.
     *
     * @throws JedisConnectionException when the connection cannot be made (Jedis's own exception), or the
     *                                  server does not answer
     *                                  {@code PING} with {@code PONG} (an error such as {@code NOAUTH},
     *                                  another protocol, nothing within the read timeout); the socket is
     *                                  closed then
     */
    @Override
    public Jedis create(ServerAddress server) {
        Jedis jedis = new Jedis(new HostAndPort(server.host(), server.port()), config);
        String reply;
        try {
            reply = jedis.ping();
        } catch (JedisDataException e) {
            throw closed(jedis, new JedisConnectionException("redis " + server + " refused PING: " + e.getMessage(), e));
        } catch (RuntimeException e) {
            throw closed(jedis, new JedisConnectionException("redis " + server + " did not answer PING with PONG: "
                    + e.getMessage(), e));
        }
        if (!"PONG".equals(reply)) {
            throw closed(jedis, new JedisConnectionException("redis " + server + " answered PING with '" + reply
                    + "', not PONG: is it a Redis server?"));
        }
        return jedis;
    }

    /** Whether Jedis still has the socket open and has not seen it break; no round trip. */
    @Override
    public boolean validate(ServerAddress server, Jedis connection) {
        return connection.isConnected() && !connection.isBroken();
    }

    /**
     * The re-admission trial's and the health probe's check: {@code PING} answered with {@code PONG}, a round
     * trip that a hung server (one that accepts connections and answers nothing) fails by the read timeout.
     */
    @Override
    public boolean probe(ServerAddress server, Jedis connection) {
        return "PONG".equals(connection.ping());
    }

    /** {@link #probe} is a round trip: the pool's own trial, never a caller's call, re-admits an ejected server. */
    @Override
    public boolean probeIsRoundTrip() {
        return true;
    }

    @Override
    public void destroy(ServerAddress server, Jedis connection) {
        connection.close();
    }

    @Override
    public FailureKind classify(ServerAddress server, Throwable failure) {
        if (failure instanceof JedisConnectionException) {  // reset, end of stream, or a timeout inside
            return unreachable(failure) ? FailureKind.SERVER : FailureKind.CONNECTION;
        }
        if (failure instanceof JedisDataException reply) {   // an error reply: LOADING, BUSY... or WRONGTYPE, ERR...
            return CANNOT_SERVE.contains(firstWord(reply.getMessage())) ? FailureKind.SERVER : FailureKind.WORK;
        }
        return ConnectionFactory.super.classify(server, failure);
    }

    /**
     * Whether a connect was refused or timed out, or a reply timed out: the server's fault, not the
     * connection's. Jedis wraps the socket's exception as the cause, or, for a failed connect, attaches it as
     * suppressed: both are looked at.
     */
    static boolean unreachable(Throwable failure) {
        return unreachable(failure, 0);
    }

    private static boolean unreachable(Throwable failure, int depth) {
        if (failure == null || depth > 8) {
            return false;
        }
        if (failure instanceof ConnectException || failure instanceof SocketTimeoutException
                || failure instanceof NoRouteToHostException) {
            return true;
        }
        for (Throwable suppressed : failure.getSuppressed()) {
            if (unreachable(suppressed, depth + 1)) {
                return true;
            }
        }
        return failure.getCause() != failure && unreachable(failure.getCause(), depth + 1);
    }

    /** The first word of an error reply ({@code LOADING}, {@code WRONGTYPE}), or "". */
    static String firstWord(String message) {
        if (message == null) {
            return "";
        }
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }

    private static JedisConnectionException closed(Jedis jedis, JedisConnectionException failure) {
        try {
            jedis.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    @Override
    public String toString() {
        return "RedisConnectionFactory[Jedis, connect-timeout " + connectTimeout.toMillis() + " ms, read-timeout "
                + readTimeout.toMillis() + " ms]";
    }
}
