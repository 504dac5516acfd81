package dev.connpool;

import java.time.Duration;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only class that touches commons-pool2, which keeps the books of every live connection per server
 * (one {@link GenericKeyedObjectPool} keyed by {@link ServerEntry}) and nothing else: a connection is
 * lent out of it from its connect to its destroy, so its idle deque stays empty, its evictor never runs
 * (none is started) and it never waits. Limits, idle connections, waiting, expiry and destruction are
 * connpool's own ({@link Slots}, {@link ParkedConnections}, {@link WaitQueue}, {@link ConnectionLifecycle}).
 *
 * <p>commons-pool2 cleans its books after a failed create only for an {@link Exception}: whatever the
 * connect throws goes through it wrapped in one, and comes out as it was thrown.
 *
 * <p>Works with commons-pool2 2.12 and 2.13 (what Spring Boot 3.5 and 4.0, and 4.1, manage): compiled against
 * 2.12, it calls nothing that 2.13 added. 2.13's {@code reuseCapacityOnReturn} / {@code OnMaintenance} would
 * change nothing here (connpool never returns a connection to these books and runs no evictor), and its
 * detailed statistics, left on, cost two small writes per connect, never per borrow.
 */
final class KeyedPoolAdapter<C> {

    private static final Logger log = LoggerFactory.getLogger(KeyedPoolAdapter.class);

    /** Opens one connection of a server (run by commons-pool2's create). */
    @FunctionalInterface
    interface Connector<C> {
        PooledConnection<C> connect(ServerEntry entry) throws Exception;
    }

    /** Carries whatever the connector threw through commons-pool2's {@code catch (Exception)}. */
    private static final class Thrown extends Exception {
        private static final long serialVersionUID = 1L;

        Thrown(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    private final PoolErrors errors;
    private final GenericKeyedObjectPool<ServerEntry, PooledConnection<C>> books;

    KeyedPoolAdapter(PoolErrors errors, Connector<C> connector) {
        this.errors = errors;
        GenericKeyedObjectPoolConfig<PooledConnection<C>> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(-1); // the limits are connpool's (Slots): commons-pool2 must never wait
        config.setMaxTotal(-1);
        config.setMaxIdlePerKey(-1);
        config.setMinIdlePerKey(0);
        config.setBlockWhenExhausted(false);
        config.setTestOnCreate(false);
        config.setTestOnBorrow(false);
        config.setTestOnReturn(false);
        config.setTestWhileIdle(false);
        config.setTimeBetweenEvictionRuns(Duration.ofMillis(-1)); // no evictor thread: see ConnectionEngine#maintain
        config.setJmxEnabled(false);
        this.books = new GenericKeyedObjectPool<>(new BaseKeyedPooledObjectFactory<>() {
            @Override
            public PooledConnection<C> create(ServerEntry entry) throws Exception {
                try {
                    return connector.connect(entry);
                } catch (Throwable t) {
                    throw new Thrown(t);
                }
            }

            @Override
            public PooledObject<PooledConnection<C>> wrap(PooledConnection<C> pooled) {
                return new DefaultPooledObject<>(pooled);
            }
        }, config);
        this.books.setSwallowedExceptionListener(
                e -> log.debug("pool '{}': commons-pool2 swallowed {}", errors.pool(), String.valueOf(e)));
    }

    /**
     * Opens a connection of the server through the connector and enters it in the books.
     *
     * @throws Exception what the connector threw, as it threw it; {@link PoolClosedException} after {@link #close()}
     */
    PooledConnection<C> open(ServerEntry entry) throws Exception {
        try {
            return books.borrowObject(entry); // never waits: blockWhenExhausted is off and nothing is exhausted
        } catch (Thrown e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error error) {
                throw error;
            }
            throw (Exception) cause;
        } catch (IllegalStateException e) {
            if (books.isClosed()) {
                throw errors.closed();
            }
            throw e;
        }
    }

    /** Takes a connection out of the books (the caller destroys it). */
    void remove(PooledConnection<C> pooled) {
        try {
            books.invalidateObject(pooled.entry, pooled);
        } catch (Exception e) {
            log.warn("pool '{}': commons-pool2 did not take back a {}", errors.pool(), pooled, e);
        }
    }

    /** Closes the books; {@link #remove} still works for connections out at the time. */
    void close() {
        books.close();
    }
}
