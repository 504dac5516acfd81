package dev.connpool.sample;

import dev.connpool.SocketConnection;
import java.io.IOException;

/**
 * {@link BackendProtocol} for Redis: {@code ECHO}, {@code GET} and {@code SET} in RESP, each sent as an
 * array of bulk strings (binary-safe: keys and values may hold spaces, CR and LF) and its reply parsed.
 * An error reply ({@code -ERR ...}) is thrown as a {@link RedisErrorException} with Redis's message; a
 * reply of an unexpected type as an {@link IOException}. Stateless and thread-safe.
 */
public final class RedisProtocol implements BackendProtocol {

    @Override
    public String echo(SocketConnection connection, String text) throws IOException {
        Object reply = call(connection, "ECHO", text);
        if (reply instanceof String bulk) {
            return bulk;
        }
        throw unexpected(connection, "ECHO", reply, "a bulk string");
    }

    @Override
    public String get(SocketConnection connection, String key) throws IOException {
        Object reply = call(connection, "GET", key);
        if (reply == null || reply instanceof String) {
            return (String) reply;
        }
        throw unexpected(connection, "GET", reply, "a bulk string or a null bulk string");
    }

    @Override
    public void set(SocketConnection connection, String key, String value) throws IOException {
        Object reply = call(connection, "SET", key, value);
        if (!(reply instanceof Resp.Simple simple && simple.text().equals("OK"))) {
            throw unexpected(connection, "SET", reply, "+OK");
        }
    }

    private static Object call(SocketConnection connection, String... command) throws IOException {
        Resp.send(connection.output(), command);
        return Resp.read(connection.input());
    }

    private static IOException unexpected(SocketConnection connection, String command, Object reply, String expected) {
        return new IOException("redis " + connection.server() + " answered " + command + " with "
                + Resp.describe(reply) + " where " + expected + " was expected");
    }
}
