package dev.connpool;

import java.time.Duration;

/**
 * No connection of a server became free within {@code max-wait}. The message names the pool, the
 * server, max-wait, how long the borrow waited (more than max-wait when it waited for another borrower's
 * connect to the same server to end) and the server's counts.
 */
public class PoolTimeoutException extends PoolException {

    private static final long serialVersionUID = 1L;

    private final Duration waited;

    /**
     * Creates the exception.
     *
     * @param pool    the pool's name
     * @param server  the server whose connections were all in use
     * @param waited  how long the borrow waited
     * @param message the full message
     */
    public PoolTimeoutException(String pool, ServerAddress server, Duration waited, String message) {
        super(pool, server, message, null);
        this.waited = waited;
    }

    /**
     * Returns how long the borrow waited.
     *
     * @return the time waited
     */
    public Duration waited() {
        return waited;
    }
}
