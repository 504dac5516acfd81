package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection of the pool: the user's connection, its server, its deadline, since when it is idle and
 * which lease holds it now.
 */
final class PooledConnection<C> {

    /** {@link #owner} when no lease holds the connection. */
    static final int NO_OWNER = 0;

    final C connection;
    final ServerEntry entry;
    final long createdNanos;
    /** Whether max-lifetime applies to it. */
    final boolean mortal;
    /** When max-lifetime retires it (with jitter); meaningless unless {@link #mortal}. */
    final long expiresAtNanos;
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(PooledConnection.class, "owner", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The id of the lease that holds it, or {@link #NO_OWNER}; the CAS from id to 0 is the release. A field
     * of this object (through a VarHandle) rather than an atomic object of its own: one pointer less per borrow.
     */
    private volatile int owner = NO_OWNER;
    /** Set once, when the factory's destroy is called. */
    final AtomicBoolean destroyed = new AtomicBoolean();

    /** Leases handed out so far (also the lease id); written by the one thread that holds it, read by stats. */
    int timesLeased;
    /** With leak detection (or a lease timed for the balancer): when the current lease began; with leak detection, where it was borrowed, whether it was reported. */
    long leasedAtNanos;
    /** Whether the current lease is timed for the least-latency balancer (see {@link LeaseLifecycle}). */
    boolean latencyTimed;
    LeakTrace borrowTrace;
    volatile boolean leakReported;

    /**
     * When a maintenance run first saw it parked (0: not seen parked since its last lease). Written by the
     * maintenance run and reset by the borrow that takes it: a plain field, so that neither a borrow nor a
     * return reads the clock for it.
     */
    long idleSinceNanos;

    /**
     * Whether it was ever lent from the pool (taken off the stack or handed over by a return) rather than
     * opened for the borrow that lent it: set by {@link ParkedConnections#ready}, next to
     * {@link #idleSinceNanos}, and read by the thread that holds it. A broken connection that was reused
     * may have died while it sat idle: its server is not charged for it.
     */
    boolean reused;

    /**
     * The server's use epoch ({@link ServerEntry#useEpoch()}) at its last good use: when it was opened, then
     * each time a lease of it is closed normally. Written before it is parked or handed over, read by whoever
     * takes it from there (the hand-off orders the two); no clock read.
     */
    long goodEpoch;

    PooledConnection(C connection, ServerEntry entry, long createdNanos, long lifetimeNanos) {
        this.connection = connection;
        this.entry = entry;
        this.createdNanos = createdNanos;
        this.goodEpoch = entry.useEpoch();
        this.mortal = lifetimeNanos > 0;
        this.expiresAtNanos = createdNanos + lifetimeNanos;
    }

    int owner() {
        return owner;
    }

    boolean casOwner(int expected, int newOwner) {
        return OWNER.compareAndSet(this, expected, newOwner);
    }

    /** Hands the connection to lease {@code id}; other threads see it through the lease's own hand-off. */
    void releaseOwner(int id) {
        OWNER.setRelease(this, id);
    }

    boolean expired(long nowNanos) {
        return mortal && nowNanos - expiresAtNanos >= 0;
    }

    @Override
    public String toString() {
        return "connection to " + entry.address;
    }
}
