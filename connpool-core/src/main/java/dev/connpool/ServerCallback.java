package dev.connpool;

/**
 * Work done with a borrowed connection by {@link MultiPool#execute(ServerCallback)}, told which server the
 * connection belongs to (for logs, for keys, for a per-server metric):
 * <pre>{@code
 * String reply = pool.execute((connection, server) -> {
 *     log.debug("GET {} on {}", key, server);
 *     return connection.get(key);
 * });
 * }</pre>
 *
 * <p>Like a {@link PoolCallback}, the work may run more than once (on a new connection to the same server,
 * or on another server), each time with the connection's own server: it must be idempotent.
 *
 * @param <C> the connection type
 * @param <R> the result type
 */
@FunctionalInterface
public interface ServerCallback<C, R> {

    /**
     * Does the work.
     *
     * @param connection a connection lent for the duration of this call only
     * @param server     the server {@code connection} is connected to
     * @return the result
     * @throws Exception a failure, which {@link ConnectionFactory#classify} judges: {@link FailureKind#CONNECTION}
     *                   and {@link FailureKind#SERVER} are retried, {@link FailureKind#WORK} is not
     */
    R apply(C connection, ServerAddress server) throws Exception;
}
