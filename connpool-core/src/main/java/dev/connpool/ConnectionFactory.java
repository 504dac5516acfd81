package dev.connpool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;

/**
 * Makes, checks and closes the connections of one kind ({@code C}) to any server of a {@link MultiPool}.
 *
 * <p>Implementations must be thread-safe: the pool calls them from borrowing threads and from its
 * housekeeping thread, for many servers at once.
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
     * Proves that {@code server} serves: a real round trip on {@code connection}, a new connection the pool
     * opened for it (a {@code PING}, a {@code version}, a health call), answered within the factory's read
     * timeout. The pool calls it on the trial that re-admits a server whose ejection is over and on each
     * health probe ({@code health-check.interval}), never on a borrow; after a trial the connection may be
     * lent, so the probe must read the whole reply. A hung process (it accepts connections and never
     * answers) passes a connect and fails this: it stays ejected.
     *
     * <p>Returning {@code false} or throwing fails the probe: the server is charged (a failed trial ejects it
     * again) and the connection is closed. The default calls {@link #validate}, which is no round trip
     * unless the factory's is: override it, and {@link #probeIsRoundTrip} with it, so that a server that only
     * accepts connections is not let back in.
     *
     * @param server     the server to prove
     * @param connection a new connection to it
     * @return whether the server answered as it should
     * @throws Exception when the round trip failed (a read timeout: the server did not answer)
     */
    default boolean probe(ServerAddress server, C connection) throws Exception {
        return validate(server, connection);
    }

    /**
     * Whether {@link #probe} proves more than {@link #validate}: a round trip that the server must answer. Read
     * once, when the pool is built; override it together with {@code probe}.
     *
     * <p>It decides who tries a server whose ejection is over ({@code PROBING}):
     * <ul>
     *   <li>{@code true}: the pool alone, in the background. No borrower is given a probing server (nor its
     *       trial): the pool's trial, a new connection and {@code probe}, re-admits it (into its slow start) or
     *       ejects it again for longer. A server that hangs costs callers one wave of timeouts, before its first
     *       ejection, however long it hangs.</li>
     *   <li>{@code false} (the default): a connect or a {@code probe} that passes proves nothing, so the
     *       pool's own trial can eject it again (a refused connect, a failed {@code probe}) but leaves its
     *       re-admission to one borrower's lease: closed normally, or its {@code execute} work succeeding. A
     *       hung server costs at most one call, of the read timeout, per ejection. Only when no borrower has
     *       tried it {@code ejection.base-time} after the pool's trial passed (an idle pool, calls by key) does
     *       the pool re-admit it on that connect.</li>
     * </ul>
     * Answering {@code true} while inheriting {@code probe} is refused when the pool is built: a hung server
     * would be let back in.
     *
     * @return whether {@code probe} makes a round trip the server must answer
     */
    default boolean probeIsRoundTrip() {
        return false;
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

    /**
     * Tells what {@code failure}, thrown by work on a connection of {@code server} or by {@link #create},
     * says about whom (see {@link FailureKind}). Clients with exceptions of their own (Jedis, Lettuce,
     * Thrift, gRPC) override it; it must not throw.
     *
     * <p>The default looks through the cause chain: a {@link ConnectException},
     * {@link SocketTimeoutException} or {@link NoRouteToHostException} is {@link FailureKind#SERVER}; any
     * other {@link IOException} or {@link UncheckedIOException} is {@link FailureKind#CONNECTION}; anything
     * else is {@link FailureKind#WORK}.
     *
     * @param server  the server the failure happened on
     * @param failure what was thrown
     * @return what it says about the connection, the server or the work
     */
    default FailureKind classify(ServerAddress server, Throwable failure) {
        FailureKind kind = FailureKind.WORK;
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof ConnectException || t instanceof SocketTimeoutException
                    || t instanceof NoRouteToHostException) {
                return FailureKind.SERVER;
            }
            if (t instanceof IOException || t instanceof UncheckedIOException) {
                kind = FailureKind.CONNECTION; // unless something deeper says the server is at fault
            }
        }
        return kind;
    }
}
