package dev.connpool;

/**
 * Work done with a borrowed connection by {@link MultiPool#execute(PoolCallback)}.
 *
 * <p>The work may run more than once, on different servers, when it throws an
 * {@link java.io.IOException}: it must be idempotent.
 *
 * @param <C> the connection type
 * @param <R> the result type
 */
@FunctionalInterface
public interface PoolCallback<C, R> {

    /**
     * Does the work.
     *
     * @param connection a connection lent for the duration of this call only
     * @return the result
     * @throws Exception an {@link java.io.IOException} to have the work retried on another server
     */
    R apply(C connection) throws Exception;
}
