package dev.connpool.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.zookeeper.server.ZooKeeperServerMain;

/**
 * A real ZooKeeper server in a child process ({@code ZooKeeperServerMain} from the ZooKeeper jar the tests
 * use, on a free port, with a data directory of its own), that a test can freeze ({@link #pause()}:
 * SIGSTOP), {@link #resume()} (SIGCONT), {@link #kill()} (SIGKILL) and {@link #restart()} on the same
 * port and data, as an operating system would do to it. Unix only (it runs {@code kill}).
 */
final class ZooKeeperProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private final int tickMillis;
    private Process process;

    private ZooKeeperProcess(Path dir, int port, int tickMillis) {
        this.dir = dir;
        this.port = port;
        this.tickMillis = tickMillis;
    }

    /**
     * Starts ZooKeeper and waits until it answers.
     *
     * @param tickMillis ZooKeeper's tick: sessions may last 2 to 20 ticks
     */
    static ZooKeeperProcess start(int tickMillis) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("connpool-zookeeper-");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ZooKeeperProcess zk = new ZooKeeperProcess(dir, port, tickMillis);
        Files.writeString(dir.resolve("zoo.cfg"), String.join("\n",
                "tickTime=" + tickMillis,
                "dataDir=" + dir.resolve("data"),
                "clientPort=" + port,
                "clientPortAddress=127.0.0.1",
                "maxClientCnxns=0",
                "admin.enableServer=false",
                "4lw.commands.whitelist=srvr",
                ""));
        zk.launch();
        return zk;
    }

    String connectString() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** Freezes the process (SIGSTOP): connections stay open, nothing is answered, no session expires. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a frozen process run again (SIGCONT): it then expires the sessions whose time ran out meanwhile. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Kills the process (SIGKILL): no shutdown, the data directory stays as it was. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("ZooKeeper process " + process.pid() + " did not die");
        }
    }

    /** Starts the server again on the same port and data (it reloads the sessions and nodes it had). */
    void restart() throws IOException, InterruptedException {
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.jmx.log4j.disable=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", classPath(), ZooKeeperServerMain.class.getName(), dir.resolve("zoo.cfg").toString()));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("zookeeper.log").toFile()));
        process = builder.start();
        awaitAnswer();
    }

    /** The tests' class path: ZooKeeper's own jar (from Maven) and what it needs. */
    private static String classPath() {
        return System.getProperty("java.class.path");
    }

    private void awaitAnswer() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ZooKeeper exited with " + process.exitValue() + "; see "
                        + dir.resolve("zookeeper.log") + ":\n" + Files.readString(dir.resolve("zookeeper.log")));
            }
            if (answers()) {
                return;
            }
            process.waitFor(50, TimeUnit.MILLISECONDS); // polls the port, wakes early if the process dies
        }
        throw new IllegalStateException("ZooKeeper did not answer on port " + port + " within " + START_TIMEOUT);
    }

    /** Whether the server answers the {@code srvr} command as serving. */
    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return answer.contains("Mode:");
        } catch (IOException e) {
            return false;
        }
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Kills the process (a frozen one too) and deletes its directory. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperProcess[pid " + (process == null ? "-" : process.pid()) + ", port " + port + ", tick "
                + tickMillis + " ms]";
    }
}
