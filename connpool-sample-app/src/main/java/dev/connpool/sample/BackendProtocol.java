package dev.connpool.sample;

import dev.connpool.SocketConnection;
import java.io.IOException;

/** How the app speaks to its backends over a pooled connection: the line protocol, or Redis. */
public interface BackendProtocol {

    /** Sends {@code text} and returns what the server echoes. */
    String echo(SocketConnection connection, String text) throws IOException;

    /** Returns the value of {@code key}, or {@code null}. */
    String get(SocketConnection connection, String key) throws IOException;

    /** Stores {@code value} under {@code key}. */
    void set(SocketConnection connection, String key, String value) throws IOException;
}
