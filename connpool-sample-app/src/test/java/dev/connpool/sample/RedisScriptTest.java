package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * {@code redis.sh}, the README's one command for the redis profile's three servers: {@code start} runs three
 * background {@code redis-server} processes that answer at once, {@code status} says so, {@code stop} ends
 * exactly them. Run here on free ports ({@code REDIS_PORTS}) and in a temporary directory, so that nothing
 * on 6379-6381 is touched. Needs {@code redis-server} on the PATH, as the other Redis tests do.
 */
class RedisScriptTest {

    @TempDir
    Path directory;

    private String ports;

    @AfterEach
    void stopWhateverIsLeft() throws Exception {
        if (ports != null) {
            run("stop");
        }
    }

    @Test
    void startRunsThreeServersInTheBackgroundAndStopEndsThem() throws Exception {
        List<Integer> free = freePorts(3);
        ports = free.stream().map(String::valueOf).collect(Collectors.joining(" "));

        Result started = run("start");
        assertThat(started.exit).as(started.output).isZero();
        for (int port : free) {
            assertThat(started.output).contains("redis-server on 127.0.0.1:" + port + " ready");
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                assertThat(jedis.ping()).isEqualTo("PONG");
                assertThat(jedis.configGet("save").get("save")).as("no snapshots").isEmpty();
            }
            assertThat(directory.resolve("redis-" + port + ".pid")).isRegularFile();
        }
        Result status = run("status");
        assertThat(status.exit).as(status.output).isZero();

        Result again = run("start");
        assertThat(again.exit).as(again.output).isZero();
        assertThat(again.output).contains("runs already");

        Result stopped = run("stop");
        assertThat(stopped.exit).as(stopped.output).isZero();
        for (int port : free) {
            assertThat(stopped.output).contains("redis-server on 127.0.0.1:" + port + " stopped");
            assertThatThrownBy(() -> {
                try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                    jedis.ping();
                }
            }).isInstanceOf(JedisConnectionException.class);
            assertThat(directory.resolve("redis-" + port + ".pid")).doesNotExist();
        }
        assertThat(run("status").exit).isNotZero();
    }

    @Test
    void startRefusesAPortTakenByAnotherProcessNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ports = String.valueOf(taken.getLocalPort());
            Result result = run("start");
            assertThat(result.exit).isNotZero();
            assertThat(result.output).contains("127.0.0.1:" + taken.getLocalPort() + " is taken by another process");
        }
    }

    private record Result(int exit, String output) {
    }

    private Result run(String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", script().toString(), command).redirectErrorStream(true);
        builder.environment().put("REDIS_PORTS", ports);
        builder.environment().put("REDIS_SAMPLE_DIR", directory.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("redis.sh " + command + " ends").isTrue();
        return new Result(process.exitValue(), output);
    }

    /** connpool-sample-app/redis.sh, wherever the build runs from. */
    private static Path script() {
        Path here = Path.of("").toAbsolutePath();
        Path script = Files.isRegularFile(here.resolve("redis.sh")) ? here.resolve("redis.sh")
                : here.resolve("connpool-sample-app/redis.sh");
        assertThat(script).isRegularFile();
        return script;
    }

    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
