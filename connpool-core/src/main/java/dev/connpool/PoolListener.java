package dev.connpool;

import java.time.Duration;

/**
 * Hears what happens to a pool's servers and connections. Every method has a no-op default; implement
 * the ones you need.
 *
 * <p>Called synchronously on the thread that caused the event (a borrower, the pool's housekeeping
 * thread, commons-pool2's evictor): keep listeners short and non-blocking. An exception thrown by a
 * listener is logged and does not affect the pool or the other listeners.
 */
public interface PoolListener {

    /**
     * A server joined the pool.
     *
     * @param pool   the pool's name
     * @param server the server
     */
    default void serverAdded(String pool, ServerAddress server) {
    }

    /**
     * A server was removed; it drains (its leased connections close when they come back).
     *
     * @param pool   the pool's name
     * @param server the server
     */
    default void serverRemoved(String pool, ServerAddress server) {
    }

    /**
     * A server failed too often in a row and no borrow reaches it for {@code duration}.
     *
     * @param pool        the pool's name
     * @param server      the server
     * @param duration    how long it stays ejected
     * @param lastFailure the failure that ejected it, or {@code null}
     */
    default void serverEjected(String pool, ServerAddress server, Duration duration, Throwable lastFailure) {
    }

    /**
     * An ejected server passed its trial and is {@link ServerState#ACTIVE} again.
     *
     * @param pool   the pool's name
     * @param server the server
     */
    default void serverReadmitted(String pool, ServerAddress server) {
    }

    /**
     * A lease has been held longer than {@code leak-detection-threshold}: reported once per lease, with the
     * stack trace of its borrow (the pool also logs it as a warning).
     *
     * @param pool        the pool's name
     * @param server      the connection's server
     * @param held        how long the lease has been held so far
     * @param borrowTrace where the lease was borrowed
     */
    default void leakSuspected(String pool, ServerAddress server, Duration held, Throwable borrowTrace) {
    }

    /**
     * A connection was opened (and, where the pool validates, found valid).
     *
     * @param pool   the pool's name
     * @param server its server
     */
    default void connectionCreated(String pool, ServerAddress server) {
    }

    /**
     * A connection was closed by the pool (idle, expired, invalidated, drained or at shutdown).
     *
     * @param pool   the pool's name
     * @param server its server
     */
    default void connectionDestroyed(String pool, ServerAddress server) {
    }
}
