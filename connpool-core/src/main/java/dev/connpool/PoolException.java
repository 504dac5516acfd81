package dev.connpool;

/**
 * The root of every error a {@link MultiPool} throws. Unchecked. Carries the pool's name and, where one
 * server is concerned, that server.
 */
public class PoolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String pool;
    private final transient ServerAddress server;

    /**
     * Creates an exception.
     *
     * @param pool    the pool's name
     * @param server  the server concerned, or {@code null}
     * @param message what happened
     * @param cause   the underlying error, or {@code null}
     */
    public PoolException(String pool, ServerAddress server, String message, Throwable cause) {
        super(message, cause);
        this.pool = pool;
        this.server = server;
    }

    /**
     * Returns the name of the pool that threw.
     *
     * @return the pool's name
     */
    public String pool() {
        return pool;
    }

    /**
     * Returns the server concerned.
     *
     * @return the server, or {@code null} when the error is not about one server
     */
    public ServerAddress server() {
        return server;
    }
}
