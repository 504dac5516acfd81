package dev.connpool;

/**
 * A {@link Lease} on one {@link PooledConnection}. The connection's {@code owner} holds this lease's id
 * while it is open; the one CAS from id to {@link PooledConnection#NO_OWNER} decides which of close,
 * invalidate, discard or the pool's shutdown releases it, so each happens at most once. What follows the release
 * is the {@link LeaseLifecycle}'s.
 */
final class PooledLease<C> implements Lease<C> {

    private final LeaseLifecycle<C> lifecycle;
    private final PooledConnection<C> pooled;
    private final int id;
    private final boolean trial;

    PooledLease(LeaseLifecycle<C> lifecycle, PooledConnection<C> pooled, int id, boolean trial) {
        this.lifecycle = lifecycle;
        this.pooled = pooled;
        this.id = id;
        this.trial = trial;
    }

    @Override
    public C connection() {
        if (pooled.owner() != id) {
            throw lifecycle.leaseClosed(pooled.entry.address);
        }
        return pooled.connection;
    }

    @Override
    public ServerAddress server() {
        return pooled.entry.address;
    }

    @Override
    public void invalidate() {
        if (claim()) {
            lifecycle.invalidated(pooled, trial, null);
        }
    }

    @Override
    public void close() {
        if (claim()) {
            lifecycle.returned(pooled, trial);
        }
    }

    @Override
    public void discard() {
        if (claim()) {
            lifecycle.discarded(pooled, trial);
        }
    }

    /** Whether the connection was lent from the pool before, rather than opened for this lease. */
    boolean reused() {
        return pooled.reused;
    }

    /**
     * Discards the connection, which was reused and turned out broken, and retires the server's idle
     * connections used no later than it (see {@link LeaseLifecycle#brokenAfterReuse}); returns how many.
     */
    int discardBroken() {
        return claim() ? lifecycle.brokenAfterReuse(pooled, trial) : 0;
    }

    /** Invalidates and charges the server with {@code cause}. */
    void invalidate(Throwable cause) {
        if (claim()) {
            lifecycle.invalidated(pooled, trial, cause);
        }
    }

    private boolean claim() {
        return pooled.casOwner(id, PooledConnection.NO_OWNER);
    }

    @Override
    public String toString() {
        return "Lease[" + lifecycle.pool() + " " + pooled.entry.address + (pooled.owner() == id ? "" : ", closed") + "]";
    }
}
