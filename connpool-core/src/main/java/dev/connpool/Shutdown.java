package dev.connpool;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's shutdown protocol: the closed flag, the lock and condition on which {@link #close()} waits
 * for leases to come back, and the forced close of those still out when {@code shutdown-timeout} is over.
 * The lock is taken only once the flag is set: never on the borrow and return hot path.
 */
final class Shutdown<C> {

    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

    /** The longest single wait for leases: a last resort against a missed signal. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PoolSettings settings;
    private final PoolErrors errors;
    private final ServerRegistry registry;
    private final ConnectionEngine<C> engine;
    private final Housekeeper housekeeper;
    private final NanoClock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition leasesBack = lock.newCondition();
    private volatile boolean closed;

    Shutdown(PoolSettings settings, PoolErrors errors, ServerRegistry registry, ConnectionEngine<C> engine,
             Housekeeper housekeeper, NanoClock clock) {
        this.settings = settings;
        this.errors = errors;
        this.registry = registry;
        this.engine = engine;
        this.housekeeper = housekeeper;
        this.clock = clock;
    }

    boolean isClosed() {
        return closed;
    }

    /** Throws {@link PoolClosedException} once {@link #close()} has begun. */
    void ensureOpen() {
        if (closed) {
            throw errors.closed();
        }
    }

    /** A lease ended (returned, invalidated, discarded, backed out of): tell a waiting {@link #close()}. */
    void leaseEnded() {
        if (closed) {
            lock.lock();
            try {
                leasesBack.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Stops lending (waiting borrowers get {@link PoolClosedException}), stops the housekeeper, closes the
     * idle connections, waits up to shutdown-timeout for the leased ones, then closes those still out.
     * Idempotent: only the first call does anything.
     */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        log.info("pool '{}' closing", errors.pool());
        housekeeper.stop();
        engine.close();
        engine.wakeAllWaiters(); // waiting borrowers see the pool closed
        awaitLeases();
        int forced = forceRest();
        if (forced > 0) {
            log.warn("pool '{}': {} lease(s) not returned within shutdown-timeout {} ms; their connections were closed",
                    errors.pool(), forced, settings.shutdown().timeout().toMillis());
        }
        log.info("pool '{}' closed", errors.pool());
    }

    private void awaitLeases() {
        long deadline = clock.nanoTime() + settings.shutdown().timeout().toNanos();
        lock.lock();
        try {
            while (leased() > 0) {
                long left = deadline - clock.nanoTime();
                if (left <= 0) {
                    return;
                }
                leasesBack.awaitNanos(Math.min(left, POLL_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private int leased() {
        int leased = 0;
        for (ServerEntry entry : registry.all()) {
            leased += entry.leased();
        }
        return leased;
    }

    /**
     * Takes every connection still leased from its lease (which becomes unusable) and closes it. An
     * {@link Error} from closing one (the user's factory) does not stop the others; the first is rethrown.
     */
    private int forceRest() {
        int forced = 0;
        Throwable first = null;
        for (ServerEntry entry : registry.all()) {
            for (PooledConnection<?> pooled : entry.connections) {
                int owner = pooled.owner();
                if (owner != PooledConnection.NO_OWNER && pooled.casOwner(owner, PooledConnection.NO_OWNER)) {
                    forced++;
                    @SuppressWarnings("unchecked")
                    PooledConnection<C> mine = (PooledConnection<C>) pooled;
                    try {
                        engine.destroy(mine);
                    } catch (Throwable e) {
                        first = first == null ? e : first;
                    } finally {
                        entry.addLeased(-1);
                    }
                }
            }
        }
        PoolErrors.rethrowUnchecked(first);
        return forced;
    }
}
