package dev.connpool;

/**
 * No server may serve the borrow: none is configured, the asked-for server is not in the pool, or every
 * server is ejected or draining.
 */
public class NoServerAvailableException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param pool    the pool's name
     * @param server  the server that was asked for, or {@code null}
     * @param message why no server can be used
     */
    public NoServerAvailableException(String pool, ServerAddress server, String message) {
        super(pool, server, message, null);
    }
}
