package dev.connpool.sample;

import dev.connpool.ConnectionFactory;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.io.IOException;

/**
 * Connections to Redis servers: a TCP connection from {@link SocketConnectionFactory} that must answer
 * {@code PING} with {@code +PONG} before the pool may lend it, so a server that accepts connections but is
 * not (or not yet) a working Redis is charged a failure at connect time, not on the first request.
 * {@link #validate} is the socket factory's check without a round trip; {@link #destroy} closes the socket.
 * Thread-safe.
 */
public final class RedisConnectionFactory implements ConnectionFactory<SocketConnection> {

    private final SocketConnectionFactory sockets;

    public RedisConnectionFactory(SocketConnectionFactory sockets) {
        this.sockets = sockets;
    }

    /**
     * Connects and sends {@code PING}.
     *
     * @throws IOException when the connection cannot be made, or the server answers {@code PING} with
     *                     anything but {@code +PONG} (an error such as {@code -NOAUTH}, another protocol,
     *                     nothing within the read timeout); the socket is closed then
     */
    @Override
    public SocketConnection create(ServerAddress server) throws IOException {
        SocketConnection connection = sockets.create(server);
        Object reply;
        try {
            Resp.send(connection.output(), "PING");
            reply = Resp.read(connection.input());
        } catch (RedisErrorException e) {
            close(server, connection, e);
            throw new IOException("redis " + server + " refused PING: " + e.getMessage(), e);
        } catch (IOException e) {
            close(server, connection, e);
            throw new IOException("redis " + server + " did not answer PING with +PONG: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(server, connection, e);
            throw e;
        }
        if (reply instanceof Resp.Simple simple && simple.text().equals("PONG")) {
            return connection;
        }
        IOException notRedis = new IOException("redis " + server + " answered PING with " + Resp.describe(reply)
                + ", not +PONG: is it a Redis server?");
        close(server, connection, notRedis);
        throw notRedis;
    }

    @Override
    public boolean validate(ServerAddress server, SocketConnection connection) {
        return sockets.validate(server, connection);
    }

    @Override
    public void destroy(ServerAddress server, SocketConnection connection) throws IOException {
        sockets.destroy(server, connection);
    }

    private void close(ServerAddress server, SocketConnection connection, Exception failure) {
        try {
            sockets.destroy(server, connection);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return "RedisConnectionFactory[" + sockets + "]";
    }
}
