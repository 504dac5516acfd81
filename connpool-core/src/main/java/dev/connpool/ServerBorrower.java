package dev.connpool;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Borrowing from one server: one attempt of {@link AttemptLoop}, {@link MultiPool#borrow(ServerAddress)},
 * {@link MultiPool#borrowNew(ServerAddress)} and the new connection of {@code execute}'s second run after a
 * reused connection broke ({@link #lendNew}). It charges the server for a failed connect, records the
 * borrow's metrics and holds the server's trial permit, when the borrowing thread took it, in one
 * try/finally: the permit passes to the lease made, or to the verdict of a failed connect, and is given up
 * in every other case.
 *
 * <p>A {@link PoolMetrics} that throws a {@link RuntimeException} is logged (at warn the first time) and
 * ignored: the borrow succeeds. One that throws an {@link Error} fails the borrow, after the connection
 * went back to the pool.
 */
final class ServerBorrower<C> {

    private static final Logger log = LoggerFactory.getLogger(ServerBorrower.class);

    private final PoolSettings settings;
    private final PoolErrors errors;
    private final ServerRegistry registry;
    private final ServerMembers members;
    private final ConnectionEngine<C> engine;
    private final LeaseLifecycle<C> leases;
    private final Shutdown<C> shutdown;
    private final PoolMetrics metrics;
    private final boolean measured;
    private final NanoClock clock;
    private volatile boolean metricsFailureLogged;

    @SuppressWarnings("java:S107") // the parts of the pool it works with, built before it
    ServerBorrower(PoolSettings settings, PoolErrors errors, ServerRegistry registry, ServerMembers members,
                   ConnectionEngine<C> engine, LeaseLifecycle<C> leases, Shutdown<C> shutdown, PoolMetrics metrics,
                   NanoClock clock) {
        this.settings = settings;
        this.errors = errors;
        this.registry = registry;
        this.members = members;
        this.engine = engine;
        this.leases = leases;
        this.shutdown = shutdown;
        this.metrics = metrics;
        this.measured = metrics != PoolMetrics.NONE;
        this.clock = clock;
    }

    /** {@link MultiPool#borrow(ServerAddress)}: one attempt on that server. */
    PooledLease<C> borrow(ServerAddress server) {
        shutdown.ensureOpen();
        ServerEntry entry = usableEntry(server);
        PooledLease<C> lease = lend(entry);
        if (lease == null) {
            throw errors.unusable(entry, clock.nanoTime());
        }
        return lease;
    }

    /**
     * One attempt on a server the caller picked (and whose trial permit it may hold).
     *
     * @return the lease, or null when the server was ejected or removed while the borrow was under way
     * @throws PoolClosedException when the pool closed meanwhile
     */
    PooledLease<C> lend(ServerEntry entry) {
        boolean trial = entry.ownsTrial();
        PooledLease<C> lease = null;
        try {
            PooledConnection<C> pooled = acquire(entry, trial, true);
            if (pooled != null) {
                lease = leases.lease(pooled, trial);
                if (lease == null) {
                    shutdown.ensureOpen(); // closed meanwhile; else the server is draining
                }
            }
            return lease;
        } finally {
            if (trial && lease == null) {
                giveUpTrial(entry);
            }
        }
    }

    /**
     * A lease of an active server's connection if one can be had at once (a parked one, or a new one within the
     * limits), never waiting for one: the hedge of a hedged execute ({@link HedgeRoom}). Charges the server for a
     * failed connect. Takes no trial permit: a probing server is not for hedges.
     *
     * @return the lease, or null when the server had none at once, or was ejected or removed meanwhile
     * @throws PoolClosedException when the pool closed meanwhile
     */
    PooledLease<C> lendNow(ServerEntry entry) {
        PooledConnection<C> pooled = acquire(entry, false, false);
        if (pooled == null) {
            return null;
        }
        PooledLease<C> lease = leases.lease(pooled, false);
        if (lease == null) {
            shutdown.ensureOpen(); // closed meanwhile; else the server is draining
        }
        return lease;
    }

    /** Whether a borrow from the server would be served at once now: a hint ({@link ConnectionEngine#hasRoom}). */
    boolean hasRoom(ServerEntry entry) {
        return engine.hasRoom(entry);
    }

    /** {@link MultiPool#borrowNew(ServerAddress)}: a newly opened connection (see {@link #lendNew}). */
    PooledLease<C> borrowNew(ServerAddress server) {
        shutdown.ensureOpen();
        ServerEntry entry = usableEntry(server);
        PooledLease<C> lease = lendNew(entry);
        if (lease == null) {
            throw errors.unusable(entry, clock.nanoTime());
        }
        return lease;
    }

    /**
     * A newly opened connection of a server the caller picked, never an idle one: takes connections until a
     * new one comes, setting the idle ones aside (and closing one of them when the server is full of them),
     * then gives those back. Charges the server for a failed connect.
     *
     * @return the lease, or null when the server was ejected or removed while the borrow was under way
     * @throws PoolClosedException when the pool closed meanwhile
     */
    PooledLease<C> lendNew(ServerEntry entry) {
        boolean trial = entry.ownsTrial();
        List<PooledConnection<C>> idleOnes = new ArrayList<>();
        PooledLease<C> lease = null;
        try {
            for (int i = 0; i <= settings.limits().maxActive(); i++) {
                PooledConnection<C> pooled = acquire(entry, trial, true);
                if (pooled == null) {
                    return null;
                }
                if (!pooled.reused && pooled.timesLeased == 0) { // opened by this acquire
                    lease = leases.lease(pooled, trial);
                    if (lease == null) {
                        shutdown.ensureOpen(); // closed meanwhile; else the server is draining
                    }
                    return lease;
                }
                idleOnes.add(pooled); // an idle one: keep it aside so the next acquire must create
                if (engine.idle(entry) == 0 && engine.active(entry) >= settings.limits().maxActive()) {
                    engine.destroy(idleOnes.remove(idleOnes.size() - 1)); // full: make room for a new one
                }
            }
            throw errors.noNewConnection(entry.address);
        } finally {
            Throwable failed = giveBack(entry, idleOnes);
            if (trial && lease == null) {
                giveUpTrial(entry);
            }
            if (failed != null) {
                if (lease != null) {
                    lease.discard(); // the borrow fails: its new connection goes too
                }
                PoolErrors.rethrowUnchecked(failed);
            }
        }
    }

    /**
     * Gives back the idle connections borrowNew set aside, every one even if one throws, and wakes who
     * waits. Returns the first {@link Error} (or runtime exception) the engine threw, else null.
     */
    private Throwable giveBack(ServerEntry entry, List<PooledConnection<C>> idleOnes) {
        if (idleOnes.isEmpty()) {
            return null;
        }
        Throwable first = null;
        for (PooledConnection<C> pooled : idleOnes) {
            try {
                engine.release(pooled);
            } catch (Throwable e) {
                first = first == null ? e : first;
            }
        }
        engine.signal(entry); // they are available again
        return first;
    }

    /**
     * A member that a borrow may use now ({@link ServerMembers#lends}); a probing one only when trials are by
     * lease, with its trial permit, which this thread then holds (and a borrow from it passes on or gives up).
     *
     * @throws NoServerAvailableException when it is not a member, or is ejected, draining or on trial
     */
    ServerEntry usableEntry(ServerAddress server) {
        ServerEntry entry = registry.member(server);
        if (members.lends(entry)) {
            return entry;
        }
        throw errors.unusable(entry, clock.nanoTime());
    }

    /** Gives up a trial permit this thread still holds (a failed connect's verdict has ended it already). */
    private void giveUpTrial(ServerEntry entry) {
        if (entry.ownsTrial()) {
            registry.trialAbandoned(entry);
        }
    }

    /**
     * Takes a connection of the server, waiting up to max-wait when {@code wait}, else only one to be had at once.
     * Returns null when the server was ejected or removed meanwhile (or, not waiting, had none at once).
     * Charges the server for a failed connect; throws what the borrow threw.
     */
    private PooledConnection<C> acquire(ServerEntry entry, boolean trial, boolean wait) {
        long start = measured ? clock.nanoTime() : 0;
        PooledConnection<C> pooled;
        try {
            pooled = wait ? engine.borrow(entry, trial) : engine.borrowNow(entry);
            if (pooled == null) {
                return null;
            }
        } catch (PoolTimeoutException e) {
            if (measured) {
                recordTimeout(entry, e);
            }
            throw e;
        } catch (ConnectFailedException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw errors.interruptedWhileConnecting(entry.address, e);
            }
            registry.failed(entry, e, trial);
            throw e;
        } catch (NoServerAvailableException e) { // ejected or removed after it was picked: no new connection
            return null;
        }
        if (measured) {
            recordAcquired(pooled, start);
        }
        return pooled;
    }

    private void recordAcquired(PooledConnection<C> pooled, long start) {
        try {
            metrics.acquired(pooled.entry.address, clock.nanoTime() - start);
        } catch (RuntimeException e) {
            metricsFailed("acquired", e);
        } catch (Throwable e) {
            engine.release(pooled); // no lease was made: the connection goes straight back
            engine.signal(pooled.entry);
            throw e;
        }
    }

    private void recordTimeout(ServerEntry entry, PoolTimeoutException timeout) {
        try {
            metrics.timedOut(entry.address);
        } catch (RuntimeException e) {
            metricsFailed("timedOut", e);
        } catch (Throwable e) {
            e.addSuppressed(timeout);
            throw e;
        }
    }

    private void metricsFailed(String call, RuntimeException e) {
        if (!metricsFailureLogged) {
            metricsFailureLogged = true;
            log.warn("pool '{}': metrics {} threw on {}; ignored (later failures are logged at debug)", errors.pool(),
                    metrics, call, e);
        } else {
            log.debug("pool '{}': metrics {} threw on {}; ignored: {}", errors.pool(), metrics, call, String.valueOf(e));
        }
    }
}
