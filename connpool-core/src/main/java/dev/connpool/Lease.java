package dev.connpool;

/**
 * A connection lent by a {@link MultiPool}, to be given back by {@link #close()}:
 * <pre>{@code
 * try (Lease<SocketConnection> lease = pool.borrow()) {
 *     lease.connection().output().write(request);
 * }
 * }</pre>
 *
 * <p>A lease ends in one of three ways, and who is charged differs:
 * <ul>
 *   <li>{@link #close()}: the connection is fine and goes back; its server's streak of failures ends;</li>
 *   <li>{@link #invalidate()}: the connection is destroyed and its <b>server is charged</b> one failure
 *       (it timed out, or answered that it cannot serve);</li>
 *   <li>{@link #discard()}: the connection is destroyed and its <b>server is not charged</b> (this
 *       connection is broken or in an unknown state, for example after a reset or a half-read reply; the
 *       server may be fine).</li>
 * </ul>
 *
 * <p>A lease belongs to the thread that uses its connection, but {@link #close()}, {@link #invalidate()}
 * and {@link #discard()} may be called from any thread and any number of times: only the first call of
 * any of them has an effect.
 *
 * @param <C> the connection type
 */
public interface Lease<C> extends AutoCloseable {

    /**
     * Returns the lent connection.
     *
     * @return the connection
     * @throws IllegalStateException once the lease has been closed, invalidated or discarded
     */
    C connection();

    /**
     * Returns the server the connection belongs to.
     *
     * @return the server
     */
    ServerAddress server();

    /**
     * Destroys the connection instead of returning it, and charges its server one failure: use it when the
     * server is at fault (it timed out, or said it cannot serve). Enough failures in a row eject the
     * server. Idempotent; a no-op after {@link #close()} or {@link #discard()}.
     */
    void invalidate();

    /**
     * Destroys the connection instead of returning it, <b>without charging its server</b>: use it when
     * this connection is broken (reset, closed by the peer) or its protocol state is unknown, but the server
     * may well be fine. A probing server's trial ends without a verdict. Idempotent; a no-op after
     * {@link #close()} or {@link #invalidate()}.
     */
    void discard();

    /**
     * Returns the connection to its server's pool and resets the server's consecutive failure count.
     * Idempotent; a no-op after {@link #invalidate()} or {@link #discard()}.
     */
    @Override
    void close();
}
