package dev.connpool;

/**
 * Where a server stands in its pool's health cycle: {@code ACTIVE -> EJECTED -> PROBING -> ACTIVE},
 * and {@code DRAINING} once removed.
 */
public enum ServerState {
    /** Healthy: the balancer may pick it. */
    ACTIVE,
    /**
     * Failed too often in a row: no borrow reaches it until its ejection time is over. Its idle
     * connections were closed when it was ejected.
     */
    EJECTED,
    /**
     * Its ejection time is over: one trial borrow at a time may reach it (user traffic or the pool's
     * background probe). Success makes it {@code ACTIVE}; failure ejects it again, for longer.
     */
    PROBING,
    /** Removed from the pool: no new leases; its leased connections are closed when they come back. */
    DRAINING;

    /**
     * Tells whether the balancer may send a borrow to a server in this state. Whether the server is
     * <em>usable</em> depends on its failures too: see {@link ServerStats#usable()}.
     *
     * @return {@code true} for {@code ACTIVE} and {@code PROBING}
     */
    public boolean acceptsBorrows() {
        return this == ACTIVE || this == PROBING;
    }
}
