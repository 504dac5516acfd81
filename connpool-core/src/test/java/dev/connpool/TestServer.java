package dev.connpool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An in-process TCP server on 127.0.0.1 that a test controls. It speaks a line protocol: each line
 * received is answered with the same line ({@code PING} with {@code PONG}).
 *
 * <p>The test can {@link #stop()} it (connections refused, open ones closed), {@link #restart()} it on
 * the same port, make it {@link #hang()} (accept and read, never answer), answer late ({@link #delay}),
 * reset each connection as a request arrives ({@link #resetOnRequest()}), {@link #resetAll() reset} or
 * {@link #closeAll() close} its open connections, and count them.
 */
public final class TestServer implements AutoCloseable {

    /** The port, chosen by the system at the first start and kept across restarts. */
    private volatile int port;
    /** Where it listens: 127.0.0.1 unless started with {@link #startOn}. */
    private final InetAddress bind;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean hanging;
    private volatile boolean resetting;
    private volatile long delayNanos;
    private volatile ServerSocket listener;
    private volatile Thread acceptor;

    private TestServer(InetAddress bind, int port) throws IOException {
        this.bind = bind;
        this.port = port;
        listen();
    }

    /** Starts a server on a free port. */
    public static TestServer start() throws IOException {
        return new TestServer(InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * Starts a server on a given loopback address and port (0: a free one), so that several servers can share
     * a port as the addresses of one DNS name do (127.0.0.2:p, 127.0.0.3:p, ...).
     */
    public static TestServer startOn(InetAddress bind, int port) throws IOException {
        return new TestServer(bind, port);
    }

    public ServerAddress address() {
        return ServerAddress.of(bind.isLoopbackAddress() && bind.equals(InetAddress.getLoopbackAddress())
                ? "127.0.0.1" : bind.getHostAddress(), port());
    }

    public int port() {
        return port;
    }

    /** Connections the server holds open now. */
    public int openConnections() {
        return open.size();
    }

    /** Connections accepted since the server was made. */
    public int accepted() {
        return accepted.get();
    }

    /** Request lines received since the server was made (answered or not). */
    public int requests() {
        return requests.get();
    }

    public boolean isRunning() {
        ServerSocket s = listener;
        return s != null && !s.isClosed();
    }

    /** From now on, read but never answer (new and open connections alike). */
    public void hang() {
        hanging = true;
    }

    /** Answer again, at once: ends {@link #hang()}, {@link #delay} and {@link #resetOnRequest()}. */
    public void answer() {
        hanging = false;
        resetting = false;
        delayNanos = 0;
    }

    /**
     * From now on, answer each request only after {@code delay} (a slow server; the connection's thread
     * spends that long before it writes the answer). {@link Duration#ZERO} answers at once again.
     */
    public void delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        delayNanos = delay.toNanos();
    }

    /**
     * From now on, reset (RST, SO_LINGER 0) every connection when a request line arrives on it, instead
     * of answering: the client sees the reset in the middle of its round trip. Connects still succeed.
     */
    public void resetOnRequest() {
        resetting = true;
    }

    /** Closes every open connection with a FIN (the server closing idle connections); keeps listening. */
    public void closeAll() {
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    /** Resets every open connection (RST, SO_LINGER 0); keeps listening. */
    public void resetAll() {
        for (Socket socket : open) {
            try {
                socket.setSoLinger(true, 0);
            } catch (SocketException ignored) {
                // already closed
            }
            closeQuietly(socket);
        }
    }

    /** Stops listening (new connects are refused) and closes every open connection. */
    public synchronized void stop() {
        ServerSocket s = listener;
        listener = null;
        if (s != null) {
            closeQuietly(s);
        }
        Thread t = acceptor;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeAll();
    }

    /** Listens again on the same port. */
    public synchronized void restart() throws IOException {
        if (!isRunning()) {
            listen();
        }
    }

    /** {@link #restart()} for lambdas; an error to bind is a test failure. */
    public void restartQuietly() {
        try {
            restart();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(bind, port), 128);
        port = s.getLocalPort();
        listener = s;
        Thread t = new Thread(() -> acceptLoop(s), "test-server-" + s.getLocalPort() + "-accept");
        t.setDaemon(true);
        acceptor = t;
        t.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(socket);
            Thread t = new Thread(() -> serve(socket), "test-server-" + s.getLocalPort() + "-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                requests.incrementAndGet();
                if (resetting) {
                    socket.setSoLinger(true, 0);
                    return; // closing the socket with linger 0 sends the RST
                }
                if (hanging) {
                    continue;
                }
                spend(delayNanos);
                String reply = line.equals("PING") ? "PONG" : line;
                out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the peer went away or the test closed the socket
        } finally {
            open.remove(socket);
        }
    }

    /** Simulated processing time of a slow server (not a wait for some state: there is nothing to wait for). */
    private static void spend(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "TestServer[" + port + (isRunning() ? "" : ", stopped") + "]";
    }
}
