package dev.connpool;

/**
 * A connection lent by a {@link MultiPool}, to be given back by {@link #close()}:
 * <pre>{@code
 * try (Lease<SocketConnection> lease = pool.borrow()) {
 *     lease.connection().output().write(request);
 * }
 * }</pre>
 *
 * <p>A lease belongs to the thread that uses its connection, but {@link #close()} and
 * {@link #invalidate()} may be called from any thread and any number of times: only the first call has
 * an effect.
 *
 * @param <C> the connection type
 */
public interface Lease<C> extends AutoCloseable {

    /**
     * Returns the lent connection.
     *
     * @return the connection
     * @throws IllegalStateException once the lease has been closed or invalidated
     */
    C connection();

    /**
     * Returns the server the connection belongs to.
     *
     * @return the server
     */
    ServerAddress server();

    /**
     * Destroys the connection instead of returning it, and charges its server one failure. Use it when
     * the connection is broken or its protocol state is unknown. Idempotent; a no-op after {@link #close()}.
     */
    void invalidate();

    /**
     * Returns the connection to its server's pool and resets the server's consecutive failure count.
     * Idempotent; a no-op after {@link #invalidate()}.
     */
    @Override
    void close();
}
