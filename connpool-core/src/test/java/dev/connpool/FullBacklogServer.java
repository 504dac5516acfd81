package dev.connpool;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP listener on 127.0.0.1 whose accept queue is full, so that a connect to it neither succeeds nor is
 * refused: it hangs until the client's connect timeout (a server too overloaded to accept, or a host whose
 * SYNs vanish).
 *
 * <p>It listens with a backlog of 1, never accepts, and fills the queue with raw client sockets until one
 * of them times out. Linux drops a SYN sent to a listener whose accept queue is full (no RST), so every
 * later connect stalls. On a system that accepts anyway, {@link #start()} fails instead of pretending.
 */
public final class FullBacklogServer implements AutoCloseable {

    /** Connect timeout of the filling sockets; the first one that times out proves the queue is full. */
    private static final int FILL_TIMEOUT_MILLIS = 100;
    private static final int MAX_FILLERS = 32;

    private final ServerSocket listener;
    private final List<Socket> fillers = new ArrayList<>();

    private FullBacklogServer() throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    }

    /** Starts a listener on a free port and fills its accept queue. */
    public static FullBacklogServer start() throws IOException {
        FullBacklogServer server = new FullBacklogServer();
        try {
            server.fill();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void fill() throws IOException {
        for (int i = 0; i < MAX_FILLERS; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(listener.getLocalSocketAddress(), FILL_TIMEOUT_MILLIS);
            } catch (SocketTimeoutException e) {
                socket.close();
                return; // the queue is full: this connect stalled
            }
            fillers.add(socket);
        }
        throw new IllegalStateException("the accept queue of " + listener + " took " + MAX_FILLERS
                + " connections without filling up: cannot make connects hang on this system");
    }

    public ServerAddress address() {
        return ServerAddress.of("127.0.0.1", port());
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The client sockets that sit in the accept queue. */
    public int queued() {
        return fillers.size();
    }

    /** Closes the listener (the queued connections are reset) and the filling sockets. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : fillers) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public String toString() {
        return "FullBacklogServer[" + port() + ", " + fillers.size() + " queued]";
    }
}
