package dev.connpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of one pool and their health: membership, the state machine
 * {@code ACTIVE -> EJECTED -> PROBING -> ACTIVE} (and {@code DRAINING}), and the snapshot of usable
 * servers the balancer picks from. When a failure ejects a server, for how long, and how many may be out
 * at once is the {@link EjectionPolicy}'s to say; the registry keeps each server's history and asks.
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

        /** The server joined or was re-admitted: fill its min-idle. */
        void usable(ServerRegistry registry, ServerEntry entry);

        /** The server is being removed: close its idle connections, forget it once its leases are back. */
        void draining(ServerRegistry registry, ServerEntry entry);
    }

    private static final Logger log = LoggerFactory.getLogger(ServerRegistry.class);

    private final String pool;
    private final NanoClock clock;
    private final Listeners listeners;
    private final EjectionPolicy policy;
    private final PoolErrors errors;
    private final ServerMembers members;
    private final Actions actions;
    private final ReentrantLock lock = new ReentrantLock();
    /** Insertion order, for stats; guarded by {@link #lock}. */
    private final Map<ServerAddress, ServerEntry> ordered = new LinkedHashMap<>();
    private volatile List<ServerEntry> usable = List.of();

    ServerRegistry(PoolSettings settings, PoolErrors errors, NanoClock clock, Listeners listeners,
                   ServerMembers members, Actions actions) {
        this(settings, errors, clock, listeners, members, actions, EjectionPolicy.of(settings, clock));
    }

    ServerRegistry(PoolSettings settings, PoolErrors errors, NanoClock clock, Listeners listeners,
                   ServerMembers members, Actions actions, EjectionPolicy policy) {
        this.pool = settings.name();
        this.errors = errors;
        this.clock = clock;
        this.listeners = listeners;
        this.members = members;
        this.actions = actions;
        this.policy = policy;
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
        Set<ServerAddress> servers = new LinkedHashSet<>();
        for (ServerEntry entry : members.all()) {
            if (entry.state() != ServerState.DRAINING) {
                servers.add(entry.address);
            }
        }
        return Set.copyOf(servers);
    }

    /** The servers a borrow may use now. */
    List<ServerEntry> usable() {
        return usable;
    }

    // ---- membership ----------------------------------------------------------------------------------

    /** Adds a server, or revives one that is draining. Returns false when it is already a member. */
    boolean add(ServerAddress server) {
        ServerEntry entry;
        lock.lock();
        try {
            entry = ordered.get(server);
            if (entry != null) {
                if (entry.state() != ServerState.DRAINING) {
                    return false;
                }
                entry.state(ServerState.ACTIVE);
                entry.activeSinceNanos = clock.nanoTime();
            } else {
                entry = new ServerEntry(server, clock.nanoTime());
                ordered.put(server, entry);
                members.put(entry);
            }
            publish();
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
            entry = ordered.get(server);
            if (entry == null || entry.state() == ServerState.DRAINING) {
                return false;
            }
            entry.state(ServerState.DRAINING);
            publish();
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
                    && ordered.get(entry.address) == entry) {
                ordered.remove(entry.address);
                members.remove(entry);
                publish();
                log.debug("pool '{}': server {} drained", pool, entry.address);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- health --------------------------------------------------------------------------------------

    /**
     * Charges a server one failure. A failed trial ejects a probing server again; otherwise the policy
     * says whether the failure ejects an active one.
     */
    void failed(ServerEntry entry, Throwable cause, boolean trial) {
        int failures = entry.recordFailure(cause, clock.nanoTime());
        if (trial) {
            try {
                tryEject(entry, cause);
            } finally {
                entry.endTrial();
            }
        } else if (entry.state() == ServerState.ACTIVE && policy.ejectsAfter(failures)) {
            tryEject(entry, cause);
        }
    }

    /** The trial of a probing server went well: it is active again. */
    void trialSucceeded(ServerEntry entry) {
        boolean readmitted = false;
        lock.lock();
        try {
            if (entry.state() == ServerState.PROBING) {
                entry.state(ServerState.ACTIVE);
                entry.activeSinceNanos = clock.nanoTime();
                entry.resetFailures();
                publish();
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
            if (!state.acceptsBorrows() || ordered.get(entry.address) != entry) {
                return false;
            }
            boolean otherUsable = false;
            for (ServerEntry e : ordered.values()) {
                otherUsable |= e != entry && e.state().acceptsBorrows();
            }
            if (!otherUsable) {
                return false;
            }
            nanos = eject(entry, state);
            publish();
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
            if ((state != ServerState.EJECTED && state != ServerState.PROBING) || ordered.get(entry.address) != entry) {
                return false;
            }
            entry.state(ServerState.ACTIVE);
            entry.activeSinceNanos = clock.nanoTime();
            entry.resetFailures();
            publish();
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
            if (entry.state() != ServerState.EJECTED || ordered.get(entry.address) != entry) {
                return -1;
            }
            long left = entry.ejectedUntilNanos - clock.nanoTime();
            if (left > 0) {
                return left;
            }
            entry.state(ServerState.PROBING);
            publish();
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} ejection is over; probing it", pool, entry.address);
        return 0;
    }

    private void tryEject(ServerEntry entry, Throwable cause) {
        long nanos = 0;
        ServerEntry swappedIn = null;
        lock.lock();
        try {
            ServerState state = entry.state();
            if (!state.acceptsBorrows() || ordered.get(entry.address) != entry) {
                return;
            }
            int members = 0;
            int ejected = 0;
            boolean otherUsable = false;
            ServerEntry leastRecentlyFailed = null;
            for (ServerEntry e : ordered.values()) {
                ServerState s = e.state();
                if (s == ServerState.DRAINING) {
                    continue;
                }
                members++;
                if (s == ServerState.EJECTED) {
                    ejected++;
                    if (leastRecentlyFailed == null || e.lastFailureNanos() - leastRecentlyFailed.lastFailureNanos() < 0) {
                        leastRecentlyFailed = e;
                    }
                } else if (e != entry) {
                    otherUsable = true;
                }
            }
            int cap = policy.maxEjected(members);
            if (ejected < cap) {
                nanos = eject(entry, state);
            } else if (!otherUsable && leastRecentlyFailed != null) {
                // Every server is failing: the one that failed least recently gets the next chance.
                leastRecentlyFailed.state(ServerState.PROBING);
                swappedIn = leastRecentlyFailed;
                nanos = eject(entry, state);
            } else {
                log.debug("pool '{}': server {} keeps failing but {} of {} servers are ejected already, the most {} allows",
                        pool, entry.address, ejected, members, policy);
                return;
            }
            publish();
        } finally {
            lock.unlock();
        }
        Duration duration = Duration.ofNanos(nanos);
        log.warn("pool '{}': server {} ejected for {} ms after {} consecutive failure(s) (ejection #{}): {}", pool,
                entry.address, duration.toMillis(), entry.failures(), entry.ejections(),
                String.valueOf(cause != null ? cause : "a lease was invalidated")); // text, not a stack trace
        if (swappedIn != null) {
            log.warn("pool '{}': every server is failing; server {}, which failed least recently, is back on trial",
                    pool, swappedIn.address);
        }
        ejected(entry, nanos, cause);
    }

    /** Ejects under the lock, for as long as the policy says; returns the ejection time. */
    private long eject(ServerEntry entry, ServerState from) {
        EjectionPolicy.Ejection ejection = policy.nextEjection(entry.ejectionLevel, entry.activeSinceNanos,
                from == ServerState.PROBING);
        entry.ejectionLevel = ejection.level();
        entry.ejectedUntilNanos = ejection.untilNanos();
        entry.countEjection();
        entry.state(ServerState.EJECTED);
        return ejection.nanos();
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

    private void publish() {
        List<ServerEntry> joined = List.copyOf(ordered.values());
        List<ServerEntry> open = new ArrayList<>(joined.size());
        for (ServerEntry e : joined) {
            if (e.state().acceptsBorrows()) {
                open.add(e);
            }
        }
        members.publish(joined);
        usable = List.copyOf(open);
    }
}
