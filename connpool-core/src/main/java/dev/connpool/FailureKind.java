package dev.connpool;

/**
 * What a failure says about whom: the answer of {@link ConnectionFactory#classify}, which decides what a
 * pool retries and whom it charges.
 */
public enum FailureKind {

    /**
     * This connection is broken (reset, end of stream, broken pipe); the server may well be fine. Retried;
     * on a connection that was handed out before, the server is not charged: the work runs once more on a
     * newly opened connection to the same server.
     */
    CONNECTION,

    /**
     * The server cannot serve: a connect refused or timed out, a read timeout, or an answer that says so
     * (Redis {@code LOADING} or {@code BUSY}, memcached {@code SERVER_ERROR}). The server is charged and the
     * call moves on to another server.
     */
    SERVER,

    /**
     * The work failed; connection and server are fine (a bad request, a missing key, a bug). Never retried,
     * never charged; the connection goes back to the pool.
     */
    WORK
}
