package dev.connpool.sample;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real {@code redis-server} processes for tests, on loopback ports, without persistence. A test can kill one
 * (SIGKILL) and start it again on its port with the same arguments ({@link #restart}), or freeze and thaw
 * it (SIGSTOP, SIGCONT: {@link #pause}, {@link #resume}). Every process started is remembered, and
 * {@link #close()} kills them all (SIGKILL, which ends a stopped process too) and waits for them, whatever
 * state a test left them in.
 */
final class RedisProcesses implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(15);

    private final String executable;
    private final Path logs;
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final Map<Integer, Process> running = new ConcurrentHashMap<>();
    private final Map<Integer, String[]> argumentsByPort = new ConcurrentHashMap<>();
    private final Set<Integer> paused = ConcurrentHashMap.newKeySet();

    private RedisProcesses(String executable, Path logs) {
        this.executable = executable;
        this.logs = logs;
    }

    /**
     * Finds {@code redis-server} ({@code $REDIS_SERVER}, else on the {@code PATH}). Missing, it fails the
     * test with what to install: the tests need a real Redis and must not pass without one.
     */
    static RedisProcesses locate() throws IOException {
        String explicit = System.getenv("REDIS_SERVER");
        if (explicit != null && !explicit.isBlank() && !new File(explicit).canExecute()) {
            throw new AssertionError("REDIS_SERVER=" + explicit + " is not an executable file; point it at "
                    + "redis-server, or unset it to use the one on the PATH.");
        }
        String executable = explicit != null && !explicit.isBlank() ? explicit : onPath();
        if (executable == null) {
            throw new AssertionError("redis-server was not found on the PATH (" + System.getenv("PATH")
                    + "). The redis profile's tests run against real Redis servers: install Debian's "
                    + "redis-server package (apt-get install redis-server; .ci/run does), or set REDIS_SERVER "
                    + "to its path.");
        }
        Path logs = Path.of("target", "redis-logs");
        Files.createDirectories(logs);
        return new RedisProcesses(executable, logs);
    }

    /**
     * The arguments that let a loopback client send {@code DEBUG} ({@code DEBUG SLEEP}): Redis 7 refuses it
     * unless {@code enable-debug-command} allows it, and Redis 6 knows no such option (and allows it).
     */
    String[] allowDebugCommand() throws IOException {
        Process version = new ProcessBuilder(executable, "--version").redirectErrorStream(true).start();
        String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher major = Pattern.compile("v=(\\d+)\\.").matcher(text);
        if (!major.find()) {
            throw new AssertionError(executable + " --version printed no version: " + text.strip());
        }
        return Integer.parseInt(major.group(1)) >= 7 ? new String[] {"--enable-debug-command", "local"} : new String[0];
    }

    private static String onPath() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            File candidate = new File(dir.isEmpty() ? "." : dir, "redis-server");
            if (candidate.isFile() && candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        return null;
    }

    /** Starts a server on a free loopback port and returns the port. */
    int startOnFreePort(String... extraArgs) throws IOException {
        IOException last = null;
        for (int i = 0; i < 5; i++) {
            int port = freePort();
            try {
                start(port, extraArgs);
                return port;
            } catch (IOException e) { // the port was taken between the probe and redis binding it
                last = e;
            }
        }
        throw last;
    }

    /** Starts a server on {@code port} and waits until it answers PING. */
    void start(int port, String... extraArgs) throws IOException {
        if (running.containsKey(port)) {
            throw new IllegalStateException("redis-server on port " + port + " is running already");
        }
        List<String> command = new ArrayList<>(List.of(executable, "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"));
        command.addAll(List.of(extraArgs));
        Path log = logs.resolve("redis-" + port + "-" + started.size() + ".log");
        Process process = new ProcessBuilder(command).directory(logs.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        started.add(process);
        running.put(port, process);
        argumentsByPort.put(port, extraArgs.clone());
        try {
            await("redis-server on port " + port + " answers PING").atMost(STARTUP)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> !process.isAlive() || answersPing(port, extraArgs.length > 0));
        } catch (RuntimeException | Error e) {
            kill(port);
            throw e;
        }
        if (!process.isAlive()) {
            running.remove(port);
            throw new IOException("redis-server on port " + port + " exited with " + process.exitValue() + ": "
                    + Files.readString(log).strip());
        }
    }

    /**
     * Kills the server on {@code port} with SIGKILL ({@link Process#destroyForcibly()} on Linux) and
     * waits for it to end.
     *
     * @return its exit value: 137 (128 + 9) when SIGKILL ended it
     */
    int kill(int port) {
        Process process = running.remove(port);
        if (process == null) {
            throw new IllegalStateException("no redis-server of this test runs on port " + port);
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("redis-server on port " + port + " did not end after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for redis-server on port " + port, e);
        }
        return process.exitValue();
    }

    /**
     * Starts a server again on {@code port}, with the arguments it was first started with, once the one
     * there has been killed; waits until it answers PING.
     */
    void restart(int port) throws IOException {
        String[] arguments = argumentsByPort.get(port);
        if (arguments == null) {
            throw new IllegalStateException("no redis-server of this test was started on port " + port);
        }
        start(port, arguments);
    }

    /** Freezes the server on {@code port} with SIGSTOP: it keeps its sockets, the kernel still accepts connects. */
    void pause(int port) {
        signal(port, "STOP");
        paused.add(port);
    }

    /** Thaws the server on {@code port} with SIGCONT. */
    void resume(int port) {
        signal(port, "CONT");
        paused.remove(port);
    }

    /** Whether the server on {@code port} was paused and not resumed since. */
    boolean isPaused(int port) {
        return paused.contains(port);
    }

    private void signal(int port, String signal) {
        Process process = running.get(port);
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("no redis-server of this test runs on port " + port);
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + process.pid() + " (redis-server on port " + port
                        + ") failed: " + output);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run kill -" + signal + " for redis-server on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while signalling redis-server on port " + port, e);
        }
    }

    /** Kills every process this instance started and waits for each. */
    @Override
    public void close() {
        for (Process process : started) {
            process.destroyForcibly();
        }
        for (Process process : started) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        running.clear();
    }

    /** Whether some process of this instance has not ended. */
    boolean anyAlive() {
        return started.stream().anyMatch(Process::isAlive);
    }

    /** PING over a raw socket; {@code anyReply}: an error (such as -NOAUTH) counts as an answer too. */
    static boolean answersPing(int port, boolean anyReply) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return anyReply ? reply.length > 0 : new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
