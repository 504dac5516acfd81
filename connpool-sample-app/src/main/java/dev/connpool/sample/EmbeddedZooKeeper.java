package dev.connpool.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone ZooKeeper server inside the app (ZooKeeper's own {@link ZooKeeperServerEmbedded}) for the
 * {@code zookeeper} profile: on 127.0.0.1, on a given port or a free one, its data in a temporary directory
 * that {@link #close()} deletes. No admin server.
 */
final class EmbeddedZooKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);

    private final ZooKeeperServerEmbedded server;
    private final Path directory;
    private final int port;

    private EmbeddedZooKeeper(ZooKeeperServerEmbedded server, Path directory, int port) {
        this.server = server;
        this.directory = directory;
        this.port = port;
    }

    /**
     * Starts a server and waits until it answers.
     *
     * @param port the client port; 0 for a free one
     */
    static EmbeddedZooKeeper start(int port) throws Exception {
        if (port != 0) {
            // ZooKeeper would only log the BindException and time out: say it plainly
            try {
                new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close(); // bound: it is free
            } catch (IOException e) {
                throw new IllegalStateException("cannot run the embedded ZooKeeper on 127.0.0.1:" + port + " (" + e.getMessage()
                        + "): set sample.zookeeper.port to a free port, or 0 for any", e);
            }
        }
        Path directory = Files.createTempDirectory("connpool-sample-zookeeper-");
        ZooKeeperServerEmbedded server = null;
        try {
            Properties configuration = new Properties();
            configuration.setProperty("clientPort", Integer.toString(port));
            configuration.setProperty("clientPortAddress", "127.0.0.1");
            configuration.setProperty("dataDir", directory.resolve("data").toString());
            configuration.setProperty("tickTime", "2000"); // sessions of 4 s to 40 s
            configuration.setProperty("admin.enableServer", "false");
            server = ZooKeeperServerEmbedded.builder()
                    .baseDir(directory)
                    .configuration(configuration)
                    .exitHandler(ExitHandler.LOG_ONLY)
                    .build();
            try {
                server.start(10_000);
            } catch (TimeoutException e) {
                throw new IllegalStateException("the embedded ZooKeeper did not start within 10 s (its log says why)", e);
            }
            String connectString = server.getConnectionString();
            int actual = Integer.parseInt(connectString.substring(connectString.lastIndexOf(':') + 1));
            log.info("embedded ZooKeeper listening on 127.0.0.1:{} (data in {})", actual, directory);
            return new EmbeddedZooKeeper(server, directory, actual);
        } catch (Exception | Error e) {
            if (server != null) {
                server.close();
            }
            delete(directory);
            throw e;
        }
    }

    int port() {
        return port;
    }

    String connectString() {
        return "127.0.0.1:" + port;
    }

    /** Stops the server and deletes its data. */
    @Override
    public void close() {
        server.close();
        delete(directory);
        log.info("embedded ZooKeeper on port {} stopped; {} deleted", port, directory);
    }

    private static void delete(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + directory, e);
        }
    }
}
