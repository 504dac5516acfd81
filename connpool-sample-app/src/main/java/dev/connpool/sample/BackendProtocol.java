package dev.connpool.sample;

import java.io.IOException;

/**
 * How the app speaks to its backends over a pooled connection of type {@code C}: the line protocol over a
 * socket ({@link LineProtocol}), or Redis through Jedis ({@link RedisProtocol}).
 *
 * @param <C> the pool's connection type
 */
public interface BackendProtocol<C> {

    /** Sends {@code text} and returns what the server echoes. */
    String echo(C connection, String text) throws IOException;

    /** Returns the value of {@code key}, or {@code null}. */
    String get(C connection, String key) throws IOException;

    /** Stores {@code value} under {@code key}. */
    void set(C connection, String key, String value) throws IOException;
}
