package dev.connpool;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/**
 * A TCP (or TLS) connection made by {@link SocketConnectionFactory}: the socket and buffered streams over
 * it, created once per connection.
 *
 * <p>Used by one thread at a time, as a lease is. Remember to {@code flush()} {@link #output()}.
 */
public final class SocketConnection {

    private final ServerAddress server;
    private final SocketChannel channel;
    private final Socket socket;
    private final Input input;
    private final BufferedOutputStream output;
    private final ByteBuffer probe = ByteBuffer.allocateDirect(1);

    SocketConnection(ServerAddress server, SocketChannel channel, Socket socket) throws IOException {
        this.server = server;
        this.channel = channel;
        this.socket = socket;
        this.input = new Input(socket.getInputStream());
        this.output = new BufferedOutputStream(socket.getOutputStream());
    }

    /**
     * Returns the server this connection is to.
     *
     * @return the server
     */
    public ServerAddress server() {
        return server;
    }

    /**
     * Returns the socket: an {@link SSLSocket} when the factory uses TLS. Do not close it; invalidate
     * the lease instead.
     *
     * @return the socket
     */
    public Socket socket() {
        return socket;
    }

    /**
     * Returns the buffered input stream of the socket (the same one for the connection's whole life).
     *
     * @return the input stream
     */
    public InputStream input() {
        return input;
    }

    /**
     * Returns the buffered output stream of the socket; call {@code flush()} to send.
     *
     * @return the output stream
     */
    public OutputStream output() {
        return output;
    }

    /**
     * Tells, without a round trip, whether the peer has closed or reset the connection: true when the
     * socket is open, no unread bytes wait in the input buffer, and a non-blocking read of the socket finds
     * nothing. An idle connection of a request/response protocol has nothing to read; bytes there mean a
     * late answer (the protocol is out of step), end of stream means the peer closed it.
     *
     * <p>With TLS, any bytes waiting below the TLS layer (which cannot be put back) make it invalid too.
     *
     * @return whether the connection looks usable
     */
    boolean isAlive() {
        if (socket.isClosed() || !channel.isOpen()) {
            return false;
        }
        try {
            if (input.buffered()) {
                return false;
            }
            synchronized (channel.blockingLock()) {
                channel.configureBlocking(false);
                try {
                    probe.clear();
                    return channel.read(probe) == 0;
                } finally {
                    channel.configureBlocking(true);
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Closes the socket (and with TLS, the layer under it). */
    void close() throws IOException {
        try {
            socket.close();
        } finally {
            channel.close();
        }
    }

    /** A buffered stream that tells whether it holds unread bytes without asking the socket (no system call). */
    private static final class Input extends BufferedInputStream {

        Input(InputStream in) {
            super(in);
        }

        boolean buffered() {
            return count > pos;
        }
    }

    @Override
    public String toString() {
        return "SocketConnection[" + server + (socket instanceof SSLSocket ? ", TLS" : "") + ", local port "
                + socket.getLocalPort() + "]";
    }
}
