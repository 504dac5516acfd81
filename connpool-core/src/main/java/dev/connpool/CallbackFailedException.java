package dev.connpool;

/**
 * The work given to {@link MultiPool#execute(PoolCallback)} threw a checked exception: an
 * {@link java.io.IOException} on its last attempt (earlier attempts are attached as suppressed), or any
 * other checked exception, which is not retried. The cause is the work's exception.
 */
public class CallbackFailedException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param pool    the pool's name
     * @param server  the server whose connection the work was using
     * @param message what failed
     * @param cause   the work's exception
     */
    public CallbackFailedException(String pool, ServerAddress server, String message, Throwable cause) {
        super(pool, server, message, cause);
    }
}
