package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.connpool.FailureKind;
import dev.connpool.ServerAddress;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The two Redis classifiers docs/failures.md shows: the sample's Jedis factory ({@link RedisConnectionFactory}) and
 * the Lettuce example ({@link LettuceConnectionFactory}), on the exceptions each client throws, made by hand
 * and, against a real {@code redis-server}, by the client itself: a killed connection, a frozen server, a
 * refused connect.
 */
class RedisClassifiersTest {

    private static final ServerAddress SERVER = ServerAddress.of("127.0.0.1", 6379);
    /** Long enough for a connection handshake on a loaded machine (300 ms failed once), short for a frozen server. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private static RedisProcesses redis;
    private static ServerAddress live;

    private final RedisConnectionFactory jedis = new RedisConnectionFactory(TIMEOUT, TIMEOUT);

    @BeforeAll
    static void startRedisServer() throws IOException {
        redis = RedisProcesses.locate();
        live = ServerAddress.of("127.0.0.1", redis.startOnFreePort());
    }

    @AfterAll
    static void stopRedisServer() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void jedisFailuresAreTheConnectionsTheServersOrTheWorks() {
        assertThat(jedis.classify(SERVER, new JedisConnectionException("Unexpected end of stream.")))
                .isEqualTo(FailureKind.CONNECTION);
        assertThat(jedis.classify(SERVER, new JedisConnectionException(new SocketException("Connection reset"))))
                .isEqualTo(FailureKind.CONNECTION);
        assertThat(jedis.classify(SERVER, new JedisConnectionException(new SocketTimeoutException("Read timed out"))))
                .as("a read timeout").isEqualTo(FailureKind.SERVER);
        JedisConnectionException refused = new JedisConnectionException("Failed to connect to any host resolved for DNS name.");
        refused.addSuppressed(new ConnectException("Connection refused"));
        assertThat(jedis.classify(SERVER, refused)).as("a refused connect, attached as suppressed").isEqualTo(FailureKind.SERVER);
        for (String reply : new String[] {"LOADING Redis is loading the dataset in memory", "MASTERDOWN Link with MASTER is down",
                "TRYAGAIN Multiple keys request during rehashing of slot", "MISCONF Redis is configured to save RDB snapshots"}) {
            assertThat(jedis.classify(SERVER, new JedisDataException(reply))).as(reply).isEqualTo(FailureKind.SERVER);
        }
        assertThat(jedis.classify(SERVER, new JedisBusyException("BUSY Redis is busy running a script.")))
                .isEqualTo(FailureKind.SERVER);
        assertThat(jedis.classify(SERVER, new JedisDataException("WRONGTYPE Operation against a key holding the wrong kind of value")))
                .isEqualTo(FailureKind.WORK);
        assertThat(jedis.classify(SERVER, new JedisDataException("ERR unknown command 'FOO'"))).isEqualTo(FailureKind.WORK);
        assertThat(jedis.classify(SERVER, new IllegalStateException("a bug in the work"))).isEqualTo(FailureKind.WORK);
    }

    @Test
    void jedisItselfThrowsWhatTheClassifierExpects() {
        Jedis connection = jedis.create(live);
        try (Jedis admin = JedisFaultRun.admin(live)) {
            admin.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal");
            assertThat(jedis.validate(live, connection)).as("validate cannot tell, without a round trip").isTrue();
            Throwable killed = catchThrowable(() -> connection.echo("after CLIENT KILL"));
            assertThat(jedis.classify(live, killed)).as(String.valueOf(killed)).isEqualTo(FailureKind.CONNECTION);
            assertThat(jedis.validate(live, connection)).as("validate after Jedis saw it broken").isFalse();
        } finally {
            jedis.destroy(live, connection);
        }

        Jedis frozen = jedis.create(live);
        redis.pause(live.port());
        try {
            Throwable timedOut = catchThrowable(() -> frozen.echo("while frozen"));
            assertThat(jedis.classify(live, timedOut)).as(String.valueOf(timedOut)).isEqualTo(FailureKind.SERVER);
        } finally {
            redis.resume(live.port());
            jedis.destroy(live, frozen);
        }

        Throwable refused = catchThrowable(() -> jedis.create(ServerAddress.of("127.0.0.1", closedPort())));
        assertThat(jedis.classify(live, refused)).as(String.valueOf(refused)).isEqualTo(FailureKind.SERVER);
    }

    @Test
    void lettuceFailuresAreTheConnectionsTheServersOrTheWorks() {
        try (LettuceConnectionFactory lettuce = new LettuceConnectionFactory(TIMEOUT, TIMEOUT)) {
            assertThat(lettuce.classify(SERVER, new RedisCommandTimeoutException("Command timed out after 300 millisecond(s)")))
                    .isEqualTo(FailureKind.SERVER);
            assertThat(lettuce.classify(SERVER, new RedisLoadingException("LOADING Redis is loading the dataset in memory")))
                    .isEqualTo(FailureKind.SERVER);
            assertThat(lettuce.classify(SERVER, new RedisBusyException("BUSY Redis is busy running a script.")))
                    .isEqualTo(FailureKind.SERVER);
            assertThat(lettuce.classify(SERVER, new RedisCommandExecutionException("MASTERDOWN Link with MASTER is down")))
                    .isEqualTo(FailureKind.SERVER);
            assertThat(lettuce.classify(SERVER, new RedisCommandExecutionException("WRONGTYPE Operation against a key")))
                    .isEqualTo(FailureKind.WORK);
            assertThat(lettuce.classify(SERVER, new RedisException("Connection closed"))).isEqualTo(FailureKind.CONNECTION);
            assertThat(lettuce.classify(SERVER, new RedisConnectionException("Unable to connect to " + SERVER,
                    new ConnectException("Connection refused")))).isEqualTo(FailureKind.SERVER);
            assertThat(lettuce.classify(SERVER, new IllegalArgumentException("a bug in the work"))).isEqualTo(FailureKind.WORK);
        }
    }

    @Test
    void lettuceItselfThrowsWhatTheClassifierExpects() {
        try (LettuceConnectionFactory lettuce = new LettuceConnectionFactory(TIMEOUT, TIMEOUT)) {
            StatefulRedisConnection<String, String> connection = lettuce.create(live);
            try (Jedis admin = JedisFaultRun.admin(live)) {
                assertThat(connection.sync().ping()).isEqualTo("PONG");
                admin.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "normal");
                Throwable killed = catchThrowable(() -> connection.sync().echo("after CLIENT KILL"));
                assertThat(lettuce.classify(live, killed)).as(String.valueOf(killed)).isEqualTo(FailureKind.CONNECTION);
            } finally {
                lettuce.destroy(live, connection);
            }

            StatefulRedisConnection<String, String> frozen = lettuce.create(live);
            redis.pause(live.port());
            try {
                Throwable timedOut = catchThrowable(() -> frozen.sync().echo("while frozen"));
                assertThat(timedOut).isInstanceOf(RedisCommandTimeoutException.class);
                assertThat(lettuce.classify(live, timedOut)).isEqualTo(FailureKind.SERVER);
            } finally {
                redis.resume(live.port());
                lettuce.destroy(live, frozen);
            }

            Throwable refused = catchThrowable(() -> lettuce.create(ServerAddress.of("127.0.0.1", closedPort())));
            assertThat(refused).isInstanceOf(RedisConnectionException.class);
            assertThat(lettuce.classify(live, refused)).as(String.valueOf(refused)).isEqualTo(FailureKind.SERVER);
        }
    }

    /** A loopback port nothing listens on (free a moment ago). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
