package dev.connpool;

/**
 * A {@link Lease} on one {@link PooledConnection}. The connection's {@code owner} holds this lease's id
 * while it is open; the one CAS from id to {@link PooledConnection#NO_OWNER} decides which of close,
 * invalidate or the pool's shutdown releases it, so each happens at most once.
 */
final class PooledLease<C> implements Lease<C> {

    private final MultiPool<C> pool;
    private final PooledConnection<C> pooled;
    private final int id;
    private final boolean trial;

    PooledLease(MultiPool<C> pool, PooledConnection<C> pooled, int id, boolean trial) {
        this.pool = pool;
        this.pooled = pooled;
        this.id = id;
        this.trial = trial;
    }

    @Override
    public C connection() {
        if (pooled.owner() != id) {
            throw new IllegalStateException("pool '" + pool.name() + "': this lease of a connection to "
                    + pooled.entry.address + " is closed; borrow again");
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
            pool.invalidated(pooled, trial, null);
        }
    }

    @Override
    public void close() {
        if (claim()) {
            pool.returned(pooled, trial);
        }
    }

    /** Destroys the connection without charging the server (the caller's own error left it in an unknown state). */
    void discard() {
        if (claim()) {
            pool.discarded(pooled, trial);
        }
    }

    /** Invalidates and charges the server with {@code cause}. */
    void invalidate(Throwable cause) {
        if (claim()) {
            pool.invalidated(pooled, trial, cause);
        }
    }

    private boolean claim() {
        return pooled.casOwner(id, PooledConnection.NO_OWNER);
    }

    @Override
    public String toString() {
        return "Lease[" + pool.name() + " " + pooled.entry.address + (pooled.owner() == id ? "" : ", closed") + "]";
    }
}
