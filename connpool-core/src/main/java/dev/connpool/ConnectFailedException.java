package dev.connpool;

/**
 * A new connection to a server could not be made: the factory threw (the cause), returned {@code null},
 * or the new connection failed validation. Charges the server one failure.
 */
public class ConnectFailedException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param pool    the pool's name
     * @param server  the server that could not be reached
     * @param message what failed
     * @param cause   the factory's exception, or {@code null}
     */
    public ConnectFailedException(String pool, ServerAddress server, String message, Throwable cause) {
        super(pool, server, message, cause);
    }
}
