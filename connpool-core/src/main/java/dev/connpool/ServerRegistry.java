package dev.connpool;

import java.time.Duration;
import dev.connpool.ServerHistory.Cause;
import dev.connpool.ServerStateChange.Origin;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of one pool and their health: membership, the state machine
 * {@code ACTIVE -> EJECTED -> PROBING -> ACTIVE} (and {@code DRAINING}), and the snapshot of usable
 * servers the balancer picks from. When a failure ejects a server, for how long, and how many may be out
 * at once is the {@link EjectionPolicy}'s to say; the registry keeps each server's history and asks.
 * Every transition is recorded where it happens, with its cause, in the server's {@link ServerHistory}.
 *
 * <p>Reads (lookups, picks) are lock-free: they read immutable snapshots that every transition
 * republishes. Transitions take one lock; they happen on failures, trials and membership changes, never
 * on a successful borrow or return. Listeners hear of a transition outside the lock; whatever one throws,
 * the {@link Actions} of the transition still run (an ejection whose end is never scheduled lasts for good).
 *
 * <p><b>Built in one step.</b> The registry gets its {@link Actions} (the {@link Housekeeper}) in its
 * constructor and hands itself to each call, so the actions need no registry of their own; the members
 * it keeps live in a {@link ServerMembers} made before the connection engine, which reads them. So the pool
 * is put together in one direction (members, engine, housekeeper, registry) with no setter.
 */
final class ServerRegistry {

    /**
     * What the rest of the pool does when a server changes state; called outside the lock, with the
     * registry that saw the transition (for the verdicts the work reports back: a trial's, a drain's end).
     */
    interface Actions {
        /** The server was ejected for {@code nanos}: close its idle connections, schedule its trial. */
        void ejected(ServerRegistry registry, ServerEntry entry, long nanos);

        /** The server went on trial without an ejection's end (every server failing): have it tried. */
        void probing(ServerRegistry registry, ServerEntry entry);

        /** The server joined or was re-admitted: fill its min-idle, start its health probes. */
        void usable(ServerRegistry registry, ServerEntry entry);

        /** The server is being removed: close its idle connections, forget it once its leases are back. */
        void draining(ServerRegistry registry, ServerEntry entry);
    }

    private static final Logger log = LoggerFactory.getLogger(ServerRegistry.class);
    private static final Cause ADDED = Cause.of(Origin.OPERATOR, "added");
    private static final Cause REMOVED = Cause.of(Origin.OPERATOR, "removed");

    private final String pool;
    private final NanoClock clock;
    private final Listeners listeners;
    private final EjectionPolicy policy;
    private final PoolErrors errors;
    private final ServerMembers members;
    private final Actions actions;
    private final ServerHistory.Classifier classifier;
    private final int failureLimit;
    /** The leases over all servers, kept only when key affinity bounds loads (see {@link AffinityRouter}); else null. */
    private final LongAdder leasedTotal;
    /** least-latency.decay in nanoseconds when the balancer measures latency; 0 when nothing is timed. */
    private final long latencyDecayNanos;
    private final ReentrantLock lock = new ReentrantLock();

    ServerRegistry(PoolSettings settings, PoolErrors errors, NanoClock clock, Listeners listeners,
                   ServerMembers members, Actions actions) {
        this(settings, errors, clock, listeners, members, actions, ServerHistory.Classifier.NONE,
                EjectionPolicy.of(settings, clock), AffinityRouter.leaseTotal(settings.affinity()));
    }

    @SuppressWarnings("java:S107") // the parts of the pool it works with, built before it
    ServerRegistry(PoolSettings settings, PoolErrors errors, NanoClock clock, Listeners listeners,
                   ServerMembers members, Actions actions, ServerHistory.Classifier classifier, EjectionPolicy policy,
                   LongAdder leasedTotal) {
        this.pool = settings.name();
        this.errors = errors;
        this.clock = clock;
        this.listeners = listeners;
        this.members = members;
        this.actions = actions;
        this.classifier = classifier;
        this.policy = policy;
        this.failureLimit = settings.ejection().consecutiveFailures();
        this.leasedTotal = leasedTotal;
        this.latencyDecayNanos = LeastLatencyBalancer.measures(settings.balancer())
                ? settings.leastLatency().decay().toNanos() : 0;
    }

    ServerEntry get(ServerAddress server) {
        return members.get(server);
    }

    /** The server {@code server}, draining or not; throws when it is not a member. */
    ServerEntry member(ServerAddress server) {
        ServerEntry entry = members.get(server);
        if (entry == null) {
            throw errors.noSuchServer(server, addresses());
        }
        return entry;
    }

    /** Every server, draining ones included, in the order they joined. */
    List<ServerEntry> all() {
        return members.all();
    }

    /** The addresses of every server but the draining ones (the members a user sees). */
    Set<ServerAddress> addresses() {
        return members.addresses();
    }

    /** The servers a borrow may use now. */
    List<ServerEntry> usable() {
        return members.acceptingBorrows();
    }

    // ---- membership ----------------------------------------------------------------------------------

    /** Adds a server, or revives one that is draining. Returns false when it is already a member. */
    boolean add(ServerAddress server) {
        ServerEntry entry;
        lock.lock();
        try {
            entry = members.get(server);
            if (entry != null) {
                if (entry.state() != ServerState.DRAINING) {
                    return false;
                }
                entry.cameBack(clock.nanoTime()); // before the state: see ServerEntry.activeSinceNanos
                entry.state(ServerState.ACTIVE);
                changed(entry, ServerState.DRAINING, ServerState.ACTIVE, ADDED);
            } else {
                entry = new ServerEntry(server, clock.nanoTime(), leasedTotal,
                        latencyDecayNanos > 0 ? new LatencyEstimate(latencyDecayNanos, failureLimit) : null);
                members.put(entry);
                changed(entry, null, ServerState.ACTIVE, ADDED);
            }
            members.publish();
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} added", pool, server);
        try {
            listeners.serverAdded(server);
        } finally {
            actions.usable(this, entry);
        }
        return true;
    }

    /** Starts draining a server. Returns false when it is not a member (or already draining). */
    boolean remove(ServerAddress server) {
        ServerEntry entry;
        lock.lock();
        try {
            entry = members.get(server);
            if (entry == null || entry.state() == ServerState.DRAINING) {
                return false;
            }
            changed(entry, entry.state(), ServerState.DRAINING, REMOVED);
            entry.state(ServerState.DRAINING);
            members.publish();
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} removed; draining {} leased connection(s)", pool, server, entry.leased());
        try {
            listeners.serverRemoved(server);
        } finally {
            actions.draining(this, entry);
        }
        return true;
    }

    /** Forgets a draining server once none of its connections is leased. */
    void finishDrain(ServerEntry entry) {
        lock.lock();
        try {
            if (entry.state() == ServerState.DRAINING && entry.leased() == 0
                    && members.get(entry.address) == entry) {
                members.remove(entry);
                members.publish();
                log.debug("pool '{}': server {} drained", pool, entry.address);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- health --------------------------------------------------------------------------------------

    /** A failure of a borrow or a work (see {@link #failed(ServerEntry, Throwable, boolean, Origin)}). */
    void failed(ServerEntry entry, Throwable cause, boolean trial) {
        failed(entry, cause, trial, Origin.TRAFFIC);
    }

    /**
     * Charges a server one failure. A failed trial counts as many as eject a server (it is failing, whatever its
     * count was: an operator's ejection has none) and ejects it again; otherwise the policy says whether the
     * failure ejects an active one.
     */
    void failed(ServerEntry entry, Throwable cause, boolean trial, Origin origin) {
        int failures = trial ? entry.recordFailure(cause, clock.nanoTime(), failureLimit)
                : entry.recordFailure(cause, clock.nanoTime());
        if (trial) {
            try {
                tryEject(entry, cause, because(origin, "trial failed", entry, cause), false);
            } finally {
                entry.endTrial();
            }
        } else if (entry.state() == ServerState.ACTIVE && policy.ejectsAfter(failures)) {
            tryEject(entry, cause, because(origin, "failures in a row", entry, cause), failures == failureLimit);
        }
    }

    /**
     * A health probe of an active server failed: it is charged as many failures as eject a server, so one
     * failed probe ejects it (within the policy's cap), or leaves it failing, not usable, when the cap keeps
     * it in. The probe is the pool's own quiet test of a server: no noise of works or broken connections.
     */
    void probeFailed(ServerEntry entry, Throwable cause) {
        boolean wasUsable = entry.failures() < failureLimit;
        entry.recordFailure(cause, clock.nanoTime(), failureLimit);
        if (entry.state() == ServerState.ACTIVE) {
            tryEject(entry, cause, because(Origin.PROBE, "probe failed", entry, cause), wasUsable);
        }
    }

    /** A health probe of an active server passed: a failing one (that the cap kept in) is usable again. */
    void probePassed(ServerEntry entry) {
        if (entry.failures() < failureLimit) {
            return; // usable already: no lock
        }
        lock.lock();
        try {
            if (entry.state() != ServerState.ACTIVE || entry.failures() < failureLimit) {
                return;
            }
            entry.resetFailures();
            changed(entry, ServerState.ACTIVE, ServerState.ACTIVE, Cause.of(Origin.PROBE, "probe passed"));
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} passed a health probe and is usable again", pool, entry.address);
    }

    /** A borrow's trial of a probing server went well (see {@link #trialSucceeded(ServerEntry, Origin)}). */
    void trialSucceeded(ServerEntry entry) {
        trialSucceeded(entry, Origin.TRAFFIC);
    }

    /** The trial of a probing server went well: it is active again. */
    void trialSucceeded(ServerEntry entry, Origin origin) {
        boolean readmitted = false;
        lock.lock();
        try {
            if (entry.state() == ServerState.PROBING) {
                activate(entry, ServerState.PROBING, Cause.of(origin, "trial passed"));
                readmitted = true;
            }
        } finally {
            entry.endTrial();
            lock.unlock();
        }
        if (readmitted) {
            log.info("pool '{}': server {} passed its trial and is re-admitted", pool, entry.address);
            readmitted(entry);
        }
    }

    /** An operator's ejection: like a failure streak, but within the never-all rule only (not max-percent). */
    boolean ejectNow(ServerEntry entry) {
        long nanos;
        lock.lock();
        try {
            ServerState state = entry.state();
            if (!state.acceptsBorrows() || members.get(entry.address) != entry
                    || !EjectionRoom.around(entry, members).otherUsable()) {
                return false;
            }
            nanos = eject(entry, state, Cause.of(Origin.OPERATOR, "ejected by operator"));
            members.publish();
        } finally {
            lock.unlock();
        }
        log.warn("pool '{}': server {} ejected by request for {} ms", pool, entry.address,
                Duration.ofNanos(nanos).toMillis());
        ejected(entry, nanos, null);
        return true;
    }

    /** An operator's re-admission of an ejected or probing server, without a trial. */
    boolean readmitNow(ServerEntry entry) {
        lock.lock();
        try {
            ServerState state = entry.state();
            if ((state != ServerState.EJECTED && state != ServerState.PROBING) || members.get(entry.address) != entry) {
                return false;
            }
            activate(entry, state, Cause.of(Origin.OPERATOR, "re-admitted by operator"));
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} re-admitted by request", pool, entry.address);
        readmitted(entry);
        return true;
    }

    /** The trial ended without a verdict (a timeout, the caller's own error): the next borrow tries again. */
    void trialAbandoned(ServerEntry entry) {
        entry.endTrial();
    }

    /**
     * Ends an ejection whose time is over: the server becomes {@code PROBING}.
     *
     * @return the nanoseconds still to wait when it is too early, 0 when it is now probing, -1 when it is
     *         no longer ejected
     */
    long expire(ServerEntry entry) {
        lock.lock();
        try {
            if (entry.state() != ServerState.EJECTED || members.get(entry.address) != entry) {
                return -1;
            }
            long left = entry.ejectedUntilNanos - clock.nanoTime();
            if (left > 0) {
                return left;
            }
            entry.state(ServerState.PROBING);
            changed(entry, ServerState.EJECTED, ServerState.PROBING, Cause.of(Origin.TIMER, "ejection over"));
            members.publish();
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} ejection is over; probing it", pool, entry.address);
        return 0;
    }

    /**
     * Ejects a failing server if the policy's cap and the never-all rule allow; else, when
     * {@code becameFailing}, records that it is failing though kept in. A probing one kept in (its trial
     * failed) is {@code ACTIVE} again, failing: it waits for its try like any ({@link ServerPicker}).
     */
    private void tryEject(ServerEntry entry, Throwable failure, Cause cause, boolean becameFailing) {
        long nanos;
        ServerEntry swappedIn = null;
        lock.lock();
        try {
            ServerState state = entry.state();
            if (!state.acceptsBorrows() || members.get(entry.address) != entry) {
                return;
            }
            EjectionRoom room = EjectionRoom.around(entry, members);
            int cap = policy.maxEjected(room.members());
            if (room.ejected() < cap) {
                nanos = eject(entry, state, cause);
            } else if (!room.otherUsable() && room.leastRecentlyFailed() != null) {
                // Every server is failing: the one that failed least recently gets the next chance.
                swappedIn = room.leastRecentlyFailed();
                swappedIn.state(ServerState.PROBING);
                changed(swappedIn, ServerState.EJECTED, ServerState.PROBING, cause.because("every server failing"));
                nanos = eject(entry, state, cause);
            } else {
                if (state == ServerState.PROBING) { // not left on trial with no one to try it
                    entry.cameBack(clock.nanoTime()); // before the state: see ServerEntry.activeSinceNanos
                    entry.state(ServerState.ACTIVE);
                    members.publish();
                }
                if (becameFailing || state == ServerState.PROBING) {
                    changed(entry, state, entry.state(), cause);
                }
                log.debug("pool '{}': server {} keeps failing but {} of {} servers are ejected already, the most {} allows",
                        pool, entry.address, room.ejected(), room.members(), policy);
                return;
            }
            members.publish();
        } finally {
            lock.unlock();
        }
        Duration duration = Duration.ofNanos(nanos);
        log.warn("pool '{}': server {} ejected for {} ms after {} consecutive failure(s) (ejection #{}): {}", pool,
                entry.address, duration.toMillis(), entry.failures(), entry.ejections(),
                String.valueOf(failure != null ? failure : "a lease was invalidated")); // text, not a stack trace
        if (swappedIn != null) {
            log.warn("pool '{}': every server is failing; server {}, which failed least recently, is back on trial",
                    pool, swappedIn.address);
            actions.probing(this, swappedIn);
        }
        ejected(entry, nanos, failure);
    }

    /** Ejects under the lock, for as long as the policy says; returns the ejection time. */
    private long eject(ServerEntry entry, ServerState from, Cause cause) {
        EjectionPolicy.Ejection ejection = policy.nextEjection(entry.ejectionLevel, entry.activeSinceNanos,
                from == ServerState.PROBING);
        entry.ejectionLevel = ejection.level();
        entry.ejectedUntilNanos = ejection.untilNanos();
        entry.countEjection();
        entry.state(ServerState.EJECTED);
        changed(entry, from, ServerState.EJECTED, cause);
        return ejection.nanos();
    }

    /** Makes an ejected or probing server active again, under the lock. */
    private void activate(ServerEntry entry, ServerState from, Cause cause) {
        entry.cameBack(clock.nanoTime()); // before the state: see ServerEntry.activeSinceNanos
        entry.forgetLatency(); // measured afresh: what it was before its ejection says nothing now
        entry.state(ServerState.ACTIVE);
        entry.resetFailures();
        changed(entry, from, ServerState.ACTIVE, cause);
        members.publish();
    }

    /** Records a change where it happens, under the lock. */
    private void changed(ServerEntry entry, ServerState from, ServerState to, Cause cause) {
        entry.history.record(clock.nanoTime(), from, to, cause);
    }

    /** The cause of a change a failure made (the factory classifies it: called outside the lock). */
    private Cause because(Origin origin, String reason, ServerEntry entry, Throwable failure) {
        return ServerHistory.failure(origin, reason, entry.address, failure, classifier);
    }

    /** Tells the listeners, then has the ejection carried out and its end scheduled, whatever they throw. */
    private void ejected(ServerEntry entry, long nanos, Throwable cause) {
        try {
            listeners.serverEjected(entry.address, Duration.ofNanos(nanos), cause);
        } finally {
            actions.ejected(this, entry, nanos);
        }
    }

    private void readmitted(ServerEntry entry) {
        try {
            listeners.serverReadmitted(entry.address);
        } finally {
            actions.usable(this, entry);
        }
    }

}
