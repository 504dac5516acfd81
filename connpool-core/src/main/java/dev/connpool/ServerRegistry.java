package dev.connpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers of one pool and their health: membership, the state machine
 * {@code ACTIVE -> EJECTED -> PROBING -> ACTIVE} (and {@code DRAINING}), and the snapshot of usable
 * servers the balancer picks from.
 *
 * <p>Reads (lookups, picks) are lock-free: they read immutable snapshots that every transition
 * republishes. Transitions take one lock; they happen on failures, trials and membership changes, never
 * on a successful borrow or return.
 */
final class ServerRegistry {

    /** What the rest of the pool does when a server changes state; called outside the lock. */
    interface Actions {
        /** The server was ejected for {@code nanos}: close its idle connections, schedule its trial. */
        void ejected(ServerEntry entry, long nanos);

        /** The server joined or was re-admitted: fill its min-idle. */
        void usable(ServerEntry entry);

        /** The server is being removed: close its idle connections, forget it once its leases are back. */
        void draining(ServerEntry entry);
    }

    private static final Logger log = LoggerFactory.getLogger(ServerRegistry.class);

    private final String pool;
    private final PoolSettings settings;
    private final NanoClock clock;
    private final Listeners listeners;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<ServerAddress, ServerEntry> byAddress = new ConcurrentHashMap<>();
    /** Insertion order, for stats; guarded by {@link #lock}. */
    private final Map<ServerAddress, ServerEntry> ordered = new LinkedHashMap<>();
    private volatile List<ServerEntry> all = List.of();
    private volatile List<ServerEntry> usable = List.of();
    private Actions actions;

    ServerRegistry(PoolSettings settings, NanoClock clock, Listeners listeners) {
        this.pool = settings.name();
        this.settings = settings;
        this.clock = clock;
        this.listeners = listeners;
    }

    void bind(Actions actions) {
        this.actions = actions;
    }

    ServerEntry get(ServerAddress server) {
        return byAddress.get(server);
    }

    /** Every server, draining ones included, in the order they joined. */
    List<ServerEntry> all() {
        return all;
    }

    /** The servers a borrow may use now. */
    List<ServerEntry> usable() {
        return usable;
    }

    // ---- picking -------------------------------------------------------------------------------------

    /**
     * Picks a server for one borrow attempt: the balancer's choice when it may be used and was not tried
     * yet in this borrow, else the first such server from a random start, else any usable one. A
     * {@code PROBING} server is taken only with its trial permit, which the caller then owns.
     *
     * @return the server, or {@code null} when none may be used
     */
    ServerEntry pick(Balancer balancer, ServerEntry[] tried, int triedCount) {
        List<ServerEntry> candidates = usable;
        int n = candidates.size();
        if (n == 0) {
            return null;
        }
        ServerEntry first = balancer.pick(candidates);
        if (first == null) {
            throw new IllegalStateException("pool '" + pool + "': balancer " + balancer + " picked no server");
        }
        if (!contains(tried, triedCount, first) && admit(first)) {
            return first;
        }
        // Slow path, after a failure or when a probing server is busy: look for an untried one.
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (!contains(tried, triedCount, e) && admit(e)) {
                return e;
            }
        }
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (admit(e)) {
                return e;
            }
        }
        return null;
    }

    private static boolean admit(ServerEntry e) {
        ServerState state = e.state();
        return state == ServerState.ACTIVE || state == ServerState.PROBING && e.tryStartTrial();
    }

    private static boolean contains(ServerEntry[] tried, int count, ServerEntry e) {
        for (int i = 0; i < count; i++) {
            if (tried[i] == e) {
                return true;
            }
        }
        return false;
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
                byAddress.put(server, entry);
            }
            publish();
        } finally {
            lock.unlock();
        }
        log.info("pool '{}': server {} added", pool, server);
        listeners.serverAdded(server);
        actions.usable(entry);
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
        listeners.serverRemoved(server);
        actions.draining(entry);
        return true;
    }

    /** Forgets a draining server once none of its connections is leased. */
    void finishDrain(ServerEntry entry) {
        lock.lock();
        try {
            if (entry.state() == ServerState.DRAINING && entry.leased() == 0
                    && ordered.get(entry.address) == entry) {
                ordered.remove(entry.address);
                byAddress.remove(entry.address);
                publish();
                log.debug("pool '{}': server {} drained", pool, entry.address);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- health --------------------------------------------------------------------------------------

    /**
     * Charges a server one failure. A failed trial ejects a probing server again; otherwise the
     * {@code ejection.consecutive-failures}-th failure in a row ejects an active one.
     */
    void failed(ServerEntry entry, Throwable cause, boolean trial) {
        long now = clock.nanoTime();
        int failures = entry.recordFailure(cause, now);
        if (trial) {
            try {
                tryEject(entry, cause, now);
            } finally {
                entry.endTrial();
            }
        } else if (failures >= settings.ejection().consecutiveFailures() && entry.state() == ServerState.ACTIVE) {
            tryEject(entry, cause, now);
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
            listeners.serverReadmitted(entry.address);
            actions.usable(entry);
        }
    }

    /** An operator's ejection: like a failure streak, but within the never-all rule only (not max-percent). */
    boolean ejectNow(ServerEntry entry) {
        long now = clock.nanoTime();
        long nanos;
        lock.lock();
        try {
            ServerState state = entry.state();
            if (!state.isUsable() || ordered.get(entry.address) != entry) {
                return false;
            }
            boolean otherUsable = false;
            for (ServerEntry e : ordered.values()) {
                otherUsable |= e != entry && e.state().isUsable();
            }
            if (!otherUsable) {
                return false;
            }
            nanos = eject(entry, state, now);
            publish();
        } finally {
            lock.unlock();
        }
        log.warn("pool '{}': server {} ejected by request for {} ms", pool, entry.address,
                Duration.ofNanos(nanos).toMillis());
        listeners.serverEjected(entry.address, Duration.ofNanos(nanos), null);
        actions.ejected(entry, nanos);
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
        listeners.serverReadmitted(entry.address);
        actions.usable(entry);
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

    private void tryEject(ServerEntry entry, Throwable cause, long now) {
        long nanos = 0;
        ServerEntry swappedIn = null;
        lock.lock();
        try {
            ServerState state = entry.state();
            if (!state.isUsable() || ordered.get(entry.address) != entry) {
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
            int cap = settings.ejection().maxEjected(members);
            if (ejected < cap) {
                nanos = eject(entry, state, now);
            } else if (!otherUsable && leastRecentlyFailed != null) {
                // Every server is failing: the one that failed least recently gets the next chance.
                leastRecentlyFailed.state(ServerState.PROBING);
                swappedIn = leastRecentlyFailed;
                nanos = eject(entry, state, now);
            } else {
                log.debug("pool '{}': server {} keeps failing but {} of {} servers are ejected already (max-percent {})",
                        pool, entry.address, ejected, members, settings.ejection().maxPercent());
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
        listeners.serverEjected(entry.address, duration, cause);
        actions.ejected(entry, nanos);
    }

    /** Ejects under the lock; returns the ejection time. */
    private long eject(ServerEntry entry, ServerState from, long now) {
        int level = (from == ServerState.PROBING ? entry.ejectionLevel : decayedLevel(entry, now)) + 1;
        long nanos = settings.ejection().nanos(level);
        entry.ejectionLevel = level;
        entry.ejectedUntilNanos = now + nanos;
        entry.countEjection();
        entry.state(ServerState.EJECTED);
        return nanos;
    }

    /** The ejection level drops by one for every {@code ejection.max-time} the server stayed active. */
    private int decayedLevel(ServerEntry entry, long now) {
        long healthy = Math.max(0, now - entry.activeSinceNanos);
        long steps = healthy / settings.ejection().maxTime().toNanos();
        return (int) Math.max(0, entry.ejectionLevel - steps);
    }

    private void publish() {
        List<ServerEntry> members = List.copyOf(ordered.values());
        List<ServerEntry> open = new ArrayList<>(members.size());
        for (ServerEntry e : members) {
            if (e.state().isUsable()) {
                open.add(e);
            }
        }
        all = members;
        usable = List.copyOf(open);
    }
}
