package dev.connpool.benchmarks.fault;

import dev.connpool.ServerAddress;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback server of a one-line protocol whose faults the benchmark turns on and off: it answers each line
 * {@code PING} with {@code PONG} after a delay (1 ms by default), on 127.0.0.1, a thread per connection.
 *
 * <ul>
 *   <li>{@link #delay(Duration)}: the time it takes per request;
 *   <li>{@link #hang(boolean)}: still accepts connections and reads requests, but answers none (a process
 *       stuck in a lock or a GC): the client's read times out. Requests read while hanging are never answered,
 *       also after it recovers;
 *   <li>{@link #down()} / {@link #up()}: the listener closed and every connection closed (a connect is refused),
 *       then listening again on the same port.
 * </ul>
 *
 * <p>Thread-safe; {@code down} and {@code up} are serialised.
 */
final class LineServer implements AutoCloseable {

    static final byte[] PONG = "PONG\n".getBytes(StandardCharsets.US_ASCII);

    private final int index;
    private final int port;
    private final Duration baseDelay;
    private final ExecutorService threads;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private volatile long delayNanos;
    private volatile boolean hanging;
    private ServerSocket listener; // null while down; guarded by this

    private LineServer(int index, ServerSocket listener, Duration baseDelay) {
        this.index = index;
        this.port = listener.getLocalPort();
        this.baseDelay = baseDelay;
        this.delayNanos = baseDelay.toNanos();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "line-server-" + index);
            t.setDaemon(true);
            return t;
        });
        this.listener = listener;
        threads.execute(() -> acceptLoop(listener));
    }

    /** Starts a server on a free port of 127.0.0.1, serving at {@code baseDelay}. */
    static LineServer start(int index, Duration baseDelay) throws IOException {
        ServerSocket listener = bind(0);
        return new LineServer(index, listener, baseDelay);
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1024);
            return listener;
        } catch (IOException e) {
            listener.close();
            throw e;
        }
    }

    /** Its position among the benchmark's servers, from 0. */
    int index() {
        return index;
    }

    ServerAddress address() {
        return ServerAddress.of("127.0.0.1", port);
    }

    /** The time each request takes from now on. */
    void delay(Duration delay) {
        delayNanos = delay.toNanos();
    }

    /** Stops answering (true) or answers again (false). */
    void hang(boolean hang) {
        hanging = hang;
    }

    /** Closes the listener and every connection: connects are refused until {@link #up()}. */
    synchronized void down() {
        if (listener == null) {
            return;
        }
        closeQuietly(listener);
        listener = null;
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    /** Listens again on the same port. */
    synchronized void up() throws IOException {
        if (listener != null) {
            return;
        }
        ServerSocket fresh = bind(port);
        listener = fresh;
        threads.execute(() -> acceptLoop(fresh));
    }

    synchronized boolean isDown() {
        return listener == null;
    }

    /** Back to the start: listening, answering, at the base delay. */
    void reset() throws IOException {
        up();
        hang(false);
        delay(baseDelay);
    }

    /** Requests answered so far. */
    long answered() {
        return answered.get();
    }

    /** Requests read while hanging, never answered. */
    long unanswered() {
        return unanswered.get();
    }

    @Override
    public void close() {
        down();
        threads.shutdownNow();
    }

    private void acceptLoop(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket connection;
            try {
                connection = socket.accept();
            } catch (IOException e) {
                return; // closed: down() or close()
            }
            open.add(connection);
            if (isDown()) { // accepted just before down() closed the others
                open.remove(connection);
                closeQuietly(connection);
                continue;
            }
            threads.execute(() -> serve(connection));
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 256);
            OutputStream out = socket.getOutputStream();
            int length = 0;
            int b;
            while ((b = in.read()) >= 0) {
                if (b != '\n') {
                    if (++length > 64) {
                        return; // not our protocol
                    }
                    continue;
                }
                length = 0;
                if (hanging) {
                    unanswered.incrementAndGet();
                    continue;
                }
                long delay = delayNanos;
                if (delay > 0) {
                    sleep(delay);
                }
                out.write(PONG);
                out.flush();
                answered.incrementAndGet();
            }
        } catch (IOException e) {
            // the client went away, or down() closed the connection
        } finally {
            open.remove(socket);
        }
    }

    /** Sleeps the whole delay (a park may return early). */
    private static void sleep(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left = nanos;
        while (left > 0) {
            LockSupport.parkNanos(left);
            left = deadline - System.nanoTime();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "server " + index + " (" + address() + ")";
    }
}
