package dev.connpool;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What commons-pool2 holds for one connection: the user's connection, its server, its deadline and
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
    /** The id of the lease that holds it, or {@link #NO_OWNER}; the CAS from id to 0 is the release. */
    final AtomicInteger owner = new AtomicInteger(NO_OWNER);
    /** Set once, when the factory's destroy is called. */
    final AtomicBoolean destroyed = new AtomicBoolean();

    /** Leases handed out so far (also the lease id); written by the one thread that holds it, read by stats. */
    int timesLeased;
    /** With leak detection: when the current lease began, where it was borrowed, whether it was reported. */
    long leasedAtNanos;
    LeakTrace borrowTrace;
    volatile boolean leakReported;

    /** The validation commons-pool2 runs right after create repeats the one create already did: skip it. */
    volatile boolean skipNextValidation;

    PooledConnection(C connection, ServerEntry entry, long createdNanos, long lifetimeNanos) {
        this.connection = connection;
        this.entry = entry;
        this.createdNanos = createdNanos;
        this.mortal = lifetimeNanos > 0;
        this.expiresAtNanos = createdNanos + lifetimeNanos;
    }

    boolean expired(long nowNanos) {
        return mortal && nowNanos - expiresAtNanos >= 0;
    }

    @Override
    public String toString() {
        return "connection to " + entry.address;
    }
}
