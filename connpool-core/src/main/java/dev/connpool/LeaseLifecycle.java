package dev.connpool;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a lease: made on a connection just borrowed (with its leak-detection stamps), then returned,
 * invalidated (the server charged) or discarded (not charged), each exactly once; {@link PooledLease} talks
 * to this class. It also counts a server's overdue leases for the stats.
 *
 * <p><b>Leases and close/drain.</b> A lease is counted in its server's {@code leased} before the pool's
 * closed flag and the server's state are read, and {@code close()} / a drain set theirs before they read
 * {@code leased} (all volatile, so sequentially consistent): either the borrower sees the close or drain
 * and gives the connection back, or the close or drain sees the lease and waits for it. On the way back a
 * lease is uncounted only once its connection is back in the pool or destroyed, so {@code close()} never
 * returns while a returning connection is still open.
 *
 * <p><b>Latency.</b> With the least-latency balancer, one lease in 64 of each connection (and the next
 * lease of a server picked on a stale estimate) is timed from
 * its start here to its end ({@link LatencyEstimate}): a normal return is a sample, an invalidation or a
 * discard may only raise the estimate. With any other balancer no clock is read.
 *
 * <p><b>User callbacks.</b> Whatever a listener called on the way back throws (the registry's transitions
 * call them), the waiters are woken, a drained server is forgotten and a closing pool is told.
 */
final class LeaseLifecycle<C> {

    private static final Logger log = LoggerFactory.getLogger(LeaseLifecycle.class);

    private final PoolErrors errors;
    private final ServerRegistry registry;
    private final ConnectionEngine<C> engine;
    private final Shutdown<C> shutdown;
    private final NanoClock clock;
    /** leak-detection-threshold in nanoseconds; 0 when off. */
    private final long leakThresholdNanos;
    /**
     * Whether leases are timed for the balancer ({@link LeastLatencyBalancer}); read once, at build, so that
     * the other balancers read no clock per lease.
     */
    private final boolean timed;

    LeaseLifecycle(PoolSettings settings, PoolErrors errors, ServerRegistry registry, ConnectionEngine<C> engine,
                   Shutdown<C> shutdown, NanoClock clock) {
        this.errors = errors;
        this.registry = registry;
        this.engine = engine;
        this.shutdown = shutdown;
        this.clock = clock;
        this.leakThresholdNanos = settings.leakDetection().threshold().toNanos();
        this.timed = LeastLatencyBalancer.measures(settings.balancer());
    }

    /**
     * Makes the lease of a connection just borrowed. With {@code trial} the lease carries the server's
     * trial permit: its return is the trial's verdict.
     *
     * @return the lease, or null when the pool closed or the server began draining meanwhile (the
     *         connection is then back in the pool; the caller still holds the trial permit)
     */
    PooledLease<C> lease(PooledConnection<C> pooled, boolean trial) {
        int id = ++pooled.timesLeased;
        if (id == PooledConnection.NO_OWNER) {
            id = ++pooled.timesLeased;
        }
        // '|', not '||': no branch of its own for a sample asked for, whose first one, late in a run, deoptimises
        // the compiled borrow (see docs/benchmarks.md)
        boolean timeIt = timed && (LatencyEstimate.timed(id) | pooled.entry.latencySampleWanted());
        if (timed) {
            pooled.latencyTimed = timeIt;
        }
        if (leakThresholdNanos > 0) {
            pooled.leasedAtNanos = clock.nanoTime();
            pooled.borrowTrace = new LeakTrace(errors.pool(), pooled.entry.address);
            pooled.leakReported = false;
        } else if (timeIt) {
            pooled.leasedAtNanos = clock.nanoTime(); // one lease in 64 is timed (or one asked for), for the balancer
        }
        pooled.releaseOwner(id); // the lease reaches other threads only through a hand-off of their own
        ServerEntry entry = pooled.entry;
        entry.addLeased(1);
        if (shutdown.isClosed() || entry.state() == ServerState.DRAINING) { // re-checked now that it counts
            if (pooled.casOwner(id, PooledConnection.NO_OWNER)) { // else close() forced it closed already
                pooled.timesLeased--;
                giveBack(pooled);
            }
            return null;
        }
        return new PooledLease<>(this, pooled, id, trial);
    }

    /** The lease was closed: the connection goes back (or is closed, if it must), the server had a success. */
    void returned(PooledConnection<C> pooled, boolean trial) {
        ServerEntry entry = pooled.entry;
        if (leakThresholdNanos > 0 && pooled.leakReported) {
            log.info("pool '{}': the lease of a connection to {} reported as a possible leak came back after {} ms",
                    errors.pool(), entry.address, TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - pooled.leasedAtNanos));
        }
        entry.recordSuccess();
        if (timed && pooled.latencyTimed) {
            long now = clock.nanoTime();
            entry.latencySample(now - pooled.leasedAtNanos, now);
        }
        long epoch = entry.useEpoch();
        if (pooled.goodEpoch != epoch) {
            pooled.goodEpoch = epoch; // before the release publishes it (written only when it changed: a return dirties no more than it must)
        }
        try {
            engine.release(pooled);
        } finally {
            entry.addLeased(-1);
            if (trial) {
                trialReturned(entry);
            } else {
                afterRelease(entry);
            }
        }
    }

    /** The return of a trial's lease: the server passed its trial. */
    private void trialReturned(ServerEntry entry) {
        try {
            registry.trialSucceeded(entry);
        } finally {
            afterRelease(entry);
        }
    }

    /** The lease was invalidated: the connection is destroyed and the server charged with {@code cause}. */
    void invalidated(PooledConnection<C> pooled, boolean trial, Throwable cause) {
        ServerEntry entry = pooled.entry;
        timeAtLeast(pooled); // and the registry's charge adds a penalty
        try {
            engine.destroy(pooled);
        } finally {
            entry.addLeased(-1);
            try {
                registry.failed(entry, cause, trial);
            } finally {
                afterRelease(entry);
            }
        }
    }

    /** The lease was discarded: the connection is destroyed, the server not charged, a trial abandoned. */
    void discarded(PooledConnection<C> pooled, boolean trial) {
        ServerEntry entry = pooled.entry;
        timeAtLeast(pooled);
        try {
            engine.destroy(pooled);
        } finally {
            entry.addLeased(-1);
            if (trial) {
                registry.trialAbandoned(entry);
            }
            afterRelease(entry);
        }
    }

    /**
     * The lease's connection, reused from the pool, turned out broken: it is destroyed without charging the
     * server (it may have died while it sat idle), and so are the server's idle connections last used no later
     * than it, which whatever broke it most likely broke too. Returns how many of those were closed.
     */
    int brokenAfterReuse(PooledConnection<C> pooled, boolean trial) {
        ServerEntry entry = pooled.entry;
        long lastGoodUse = pooled.goodEpoch;
        entry.advanceUseEpoch(); // connections given back from now on count as used after it
        discarded(pooled, trial);
        return engine.retireUsedUpTo(entry, lastGoodUse);
    }

    /** A timed lease that did not end normally: its time may make the server look slower, never faster. */
    private void timeAtLeast(PooledConnection<C> pooled) {
        if (timed && pooled.latencyTimed) {
            long now = clock.nanoTime();
            pooled.entry.latency.atLeast(now - pooled.leasedAtNanos, now);
        }
    }

    /** Gives back a connection whose lease was backed out of: it counted, it is uncounted. */
    private void giveBack(PooledConnection<C> pooled) {
        ServerEntry entry = pooled.entry;
        try {
            engine.release(pooled);
        } finally {
            entry.addLeased(-1);
            afterRelease(entry);
        }
    }

    /**
     * After the connection went back or was destroyed. Its waiters need no signal from here: the engine woke
     * one already (a return to a waiting server parks and signals, or hands over; a destroy frees room, which
     * wakes the first waiter).
     */
    private void afterRelease(ServerEntry entry) {
        if (entry.state() == ServerState.DRAINING) {
            registry.finishDrain(entry);
        }
        shutdown.leaseEnded();
    }

    /** Leases of the server held longer than leak-detection-threshold at {@code now} (0 while it is off). */
    int overdueLeases(ServerEntry entry, long now) {
        if (leakThresholdNanos <= 0) {
            return 0;
        }
        int overdue = 0;
        for (PooledConnection<?> pooled : entry.connections) {
            if (pooled.owner() != PooledConnection.NO_OWNER && now - pooled.leasedAtNanos > leakThresholdNanos) {
                overdue++;
            }
        }
        return overdue;
    }

    /** The message of a lease used after it was closed. */
    IllegalStateException leaseClosed(ServerAddress server) {
        return errors.leaseClosed(server);
    }

    String pool() {
        return errors.pool();
    }
}
