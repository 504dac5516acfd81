package dev.connpool;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
    /** The stream of the TCP socket under TLS (for its byte count only), or {@code null} without TLS. */
    private final InputStream rawInput;
    private final ByteBuffer probe = ByteBuffer.allocateDirect(1);

    SocketConnection(ServerAddress server, SocketChannel channel, Socket socket) throws IOException {
        this.server = server;
        this.channel = channel;
        this.socket = socket;
        this.rawInput = socket instanceof SSLSocket ? channel.socket().getInputStream() : null;
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
     * <p>With TLS, bytes waiting under the TLS layer are not read raw (that would break the TLS stream):
     * the TLS layer reads them, with a 1 ms timeout. TLS 1.3 servers send session tickets after the
     * handshake, which a client only reads with its next read; those are consumed and the read times out,
     * so the connection is alive. Application data or the end of the stream make it invalid.
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
            if (rawInput != null && rawInput.available() > 0) {
                return onlyTlsRecordsWaiting();
            }
            // Nothing (or end of stream) waits: a non-blocking read cannot take a byte of a TLS record.
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

    private boolean onlyTlsRecordsWaiting() throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(1);
        try {
            input.read(); // application data (out of step) or -1 (closed): not usable
            return false;
        } catch (SocketTimeoutException e) {
            return true; // the TLS layer consumed what was waiting; no data for the application
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(timeout);
            }
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
