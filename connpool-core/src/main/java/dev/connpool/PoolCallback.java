package dev.connpool;

/**
 * Work done with a borrowed connection by {@link MultiPool#execute(PoolCallback)} or, pinned to one
 * server, {@link MultiPool#execute(ServerAddress, PoolCallback)}. Work that needs to know its server takes
 * a {@link ServerCallback} instead.
 *
 * <p>The work may run more than once, on a new connection or on another server, when it fails with what
 * {@link ConnectionFactory#classify} calls a {@link FailureKind#CONNECTION} or {@link FailureKind#SERVER}
 * failure (by default an {@link java.io.IOException}): it must be idempotent.
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
     * @throws Exception a failure, which {@link ConnectionFactory#classify} judges: {@link FailureKind#CONNECTION}
     *                   and {@link FailureKind#SERVER} are retried, {@link FailureKind#WORK} is not
     */
    R apply(C connection) throws Exception;
}
