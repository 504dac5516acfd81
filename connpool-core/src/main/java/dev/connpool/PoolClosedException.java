package dev.connpool;

/** The pool has been closed (or is closing) and lends nothing more. */
public class PoolClosedException extends PoolException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param pool the pool's name
     */
    public PoolClosedException(String pool) {
        super(pool, null, "pool '" + pool + "' is closed", null);
    }
}
