package dev.connpool;

/**
 * Makes, checks and closes the connections of one kind ({@code C}) to any server of a {@link MultiPool}.
 *
 * <p>Implementations must be thread-safe: the pool calls them from borrowing threads, from its
 * housekeeping thread and from commons-pool2's evictor, for many servers at once.
 *
 * @param <C> the connection type
 */
public interface ConnectionFactory<C> {

    /**
     * Opens a new connection to {@code server}.
     *
     * <p>Should honour a connect timeout of its own: the pool cannot interrupt a blocked connect, and a
     * borrow waits for it. A thrown exception charges the server one failure and the borrow is retried on
     * another server; returning {@code null} is treated the same way.
     *
     * @param server where to connect
     * @return the open connection, never {@code null}
     * @throws Exception when the connection cannot be made
     */
    C create(ServerAddress server) throws Exception;

    /**
     * Tells whether {@code connection} is still usable; called before an idle connection is lent and
     * while it sits idle (as the pool is configured). Must be cheap: no round trip unless the factory
     * chooses one knowingly. Returning {@code false} or throwing makes the pool close the connection.
     *
     * @param server     the connection's server
     * @param connection the connection to check
     * @return whether it can be lent
     */
    default boolean validate(ServerAddress server, C connection) {
        return true;
    }

    /**
     * Closes {@code connection}. Called exactly once per created connection. An exception is logged and
     * otherwise ignored: the connection counts as destroyed.
     *
     * @param server     the connection's server
     * @param connection the connection to close
     * @throws Exception when closing fails
     */
    void destroy(ServerAddress server, C connection) throws Exception;
}
