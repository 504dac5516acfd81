package dev.connpool.sample;

import dev.connpool.ConnectionFactory;
import dev.connpool.FailureKind;
import dev.connpool.ServerAddress;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Set;

/**
 * The Lettuce example of docs/failures.md, compiled and tested ({@code LettuceClassifierTest}) so that it cannot rot: one
 * Lettuce connection per pooled connection, without auto-reconnect (a broken connection stays broken and the
 * pool replaces it), and the {@link #classify} the page shows. Not used by the app, which runs on Jedis.
 */
final class LettuceConnectionFactory implements ConnectionFactory<StatefulRedisConnection<String, String>>,
        AutoCloseable {

    /** The error replies that say a server cannot serve now: the Jedis factory's list. */
    private static final Set<String> CANNOT_SERVE = RedisConnectionFactory.CANNOT_SERVE;

    private final RedisClient client = RedisClient.create();
    private final Duration commandTimeout;

    LettuceConnectionFactory(Duration connectTimeout, Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
        client.setOptions(ClientOptions.builder().autoReconnect(false)
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build()).build());
    }

    @Override
    public StatefulRedisConnection<String, String> create(ServerAddress server) {
        return client.connect(RedisURI.builder().withHost(server.host()).withPort(server.port())
                .withTimeout(commandTimeout).build());
    }

    @Override
    public boolean validate(ServerAddress server, StatefulRedisConnection<String, String> connection) {
        return connection.isOpen();
    }

    @Override
    public void destroy(ServerAddress server, StatefulRedisConnection<String, String> connection) {
        connection.close();
    }

    @Override
    public FailureKind classify(ServerAddress server, Throwable failure) {
        if (failure instanceof RedisCommandTimeoutException) {      // no reply within the command timeout
            return FailureKind.SERVER;
        }
        if (failure instanceof RedisCommandExecutionException reply) { // an error reply: LOADING, BUSY... or WRONGTYPE...
            return CANNOT_SERVE.contains(firstWord(reply.getMessage())) ? FailureKind.SERVER : FailureKind.WORK;
        }
        if (failure instanceof RedisException) {                     // "Connection closed", or a failed connect
            return ConnectionFactory.super.classify(server, failure) == FailureKind.SERVER
                    ? FailureKind.SERVER : FailureKind.CONNECTION;   // refused or timed out inside: SERVER
        }
        return ConnectionFactory.super.classify(server, failure);
    }

    private static String firstWord(String message) {
        return RedisConnectionFactory.firstWord(message);
    }

    /** Shuts the client's event loops down. */
    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
