package dev.connpool;

/**
 * Receives per-borrow measurements of one pool, for a metrics library (the Spring Boot starter binds it to
 * Micrometer). Called on the borrowing thread for every borrow: implementations must be fast and must not
 * throw. The pool skips the clock reads entirely while it has {@link #NONE}.
 *
 * <p>If one throws all the same, a {@link RuntimeException} is logged (at warn the first time, then at
 * debug) and ignored: the borrow goes on as if nothing happened. An {@link Error} fails the borrow with
 * that error, after the connection was given back to the pool (no lease is made).
 */
public interface PoolMetrics {

    /** Records nothing; the default. */
    PoolMetrics NONE = new PoolMetrics() {
    };

    /**
     * A connection was acquired.
     *
     * @param server the server it belongs to
     * @param nanos  how long the acquisition took (waiting for a free connection and connecting included)
     */
    default void acquired(ServerAddress server, long nanos) {
    }

    /**
     * A borrow gave up after max-wait with no free connection of the server.
     *
     * @param server the server whose connections were all in use
     */
    default void timedOut(ServerAddress server) {
    }
}
