package dev.connpool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Key affinity: the server a key goes to now ({@link MultiPool#serverFor(String)}, {@code borrowFor},
 * {@code executeFor}). The {@link HashRing} says who owns the key and which servers follow it; this class says
 * which of them takes it now:
 * <ul>
 *   <li>its <b>owner</b> when the owner takes keys: {@code ACTIVE}, and <b>settled</b>, that is, never out since
 *       it joined, or {@code ACTIVE} again for {@code affinity.return-delay} since it came back (an ejection
 *       over, a removed server added again). So an owner that flaps gets its keys back once, when it has
 *       stayed up, not at each re-admission;</li>
 *   <li>else its <b>fallback</b>: the next server on the ring that takes keys. It is where the key would go if
 *       its owner left the pool, so the keys of a server that is out spread over the others as they will once it
 *       is removed, and move back only to their owner;</li>
 *   <li>with {@code affinity.load-bound} (consistent hashing with bounded loads, Mirrokni, Thorup and
 *       Zadimoghaddam; Envoy's {@code hash_balance_factor}), a server whose leased connections, with one more,
 *       would exceed {@code ceil(load-bound x (leased over all servers + 1) / servers accepting borrows)} is
 *       passed over for the next one, so a hot key overflows to its next servers;</li>
 *   <li>when none takes keys: the first {@code ACTIVE} one in the key's order (an unsettled or overloaded
 *       server serves rather than none), else, when trials are by lease ({@link ServerMembers#lends}), the first
 *       probing one, on trial.</li>
 * </ul>
 *
 * <p><b>Cost.</b> The ring is an immutable snapshot read with one volatile read. It is made on the first pick
 * (a pool that never picks by key pays nothing) and made again by the thread that changes the membership
 * ({@link #membershipChanged()}, from {@code addServer}, {@code removeServer}, {@code updateServers}), under a
 * lock that picks never take. A pick whose owner takes the key is the ring's lookup plus three volatile reads
 * of the owner (its state, how often it came back, when it was found settled), and allocates nothing; the clock is read only for a server that came back and is not
 * settled yet; with a load bound, the pool's lease total is summed (a {@code LongAdder}). Only a fallback
 * walks the ring (and allocates its walk).
 */
final class AffinityRouter {

    private final AffinitySettings settings;
    private final ServerRegistry registry;
    private final ServerMembers members;
    /** The leases over all servers (each server adds its own), kept only with a load bound; else null. */
    private final LongAdder leasedTotal;
    private final PoolErrors errors;
    private final NanoClock clock;
    private final long returnDelayNanos;
    private final double loadBound;
    private final ReentrantLock rebuilding = new ReentrantLock();
    private volatile HashRing ring; // null until the first pick

    AffinityRouter(AffinitySettings settings, ServerRegistry registry, ServerMembers members, LongAdder leasedTotal,
                   PoolErrors errors, NanoClock clock) {
        this.settings = settings;
        this.registry = registry;
        this.members = members;
        this.leasedTotal = leasedTotal;
        this.errors = errors;
        this.clock = clock;
        this.returnDelayNanos = settings.returnDelay().toNanos();
        this.loadBound = settings.loadBound();
    }

    /**
     * The pool's count of leases over all its servers, which the {@link ServerRegistry} gives each server to add
     * to, when {@code affinity.load-bound} needs it (the mean load); else null, and nothing is counted.
     */
    static LongAdder leaseTotal(AffinitySettings settings) {
        return settings.loadBounded() ? new LongAdder() : null;
    }

    /** The ring now, made on first use. */
    HashRing ring() {
        HashRing current = ring;
        return current != null ? current : firstRing();
    }

    private HashRing firstRing() {
        rebuilding.lock();
        try {
            if (ring == null) {
                ring = make(null);
            }
            return ring;
        } finally {
            rebuilding.unlock();
        }
    }

    /**
     * The pool's servers changed (added, removed): the ring is made again, from the members now, if it was
     * made already. Called by the thread that changed them, after the change.
     */
    void membershipChanged() {
        rebuilding.lock(); // so that a ring made meanwhile from the members before the change is replaced
        try {
            if (ring != null) {
                ring = make(ring);
            }
        } finally {
            rebuilding.unlock();
        }
    }

    /** A ring of the members that are not draining, in the order they joined. */
    private HashRing make(HashRing previous) {
        List<ServerEntry> members = new ArrayList<>();
        for (ServerEntry entry : registry.all()) {
            if (entry.state() != ServerState.DRAINING) {
                members.add(entry);
            }
        }
        if (settings.algorithm() == AffinityAlgorithm.KETAMA) {
            return new KetamaRing(members);
        }
        return new RendezvousRing(members, previous instanceof RendezvousRing r ? r : null);
    }

    /**
     * The server {@code hash}'s key goes to now, for {@link MultiPool#serverFor(String)}: no trial permit is
     * taken.
     *
     * @throws NoServerAvailableException when no server may be used
     */
    ServerAddress serverFor(long hash) {
        ServerEntry entry = pick(hash, false);
        if (entry == null) {
            throw errors.noServer(registry.all(), null);
        }
        return entry.address;
    }

    /**
     * The server a key of {@code hash} goes to now. A probing server (the last resort) is returned with its
     * trial permit when {@code takeTrial}, which the caller then holds; without, it is only named.
     *
     * @return the server, or null when none may be used
     */
    ServerEntry pick(long hash, boolean takeTrial) {
        HashRing current = ring();
        List<ServerEntry> servers = current.servers();
        if (servers.isEmpty()) {
            return null;
        }
        ServerEntry owner = servers.get(current.owner(hash));
        if (takesKeys(owner) && !overloaded(owner)) {
            return owner;
        }
        return fallback(current, hash, takeTrial);
    }

    /**
     * The key's first server in ring order that takes keys; else the first active, else (trials by lease only)
     * the first probing.
     */
    private ServerEntry fallback(HashRing current, long hash, boolean takeTrial) {
        List<ServerEntry> servers = current.servers();
        HashRing.Walk walk = current.walk(hash);
        ServerEntry firstActive = null;
        for (int i = walk.next(); i >= 0; i = walk.next()) {
            ServerEntry entry = servers.get(i);
            if (entry.state() != ServerState.ACTIVE) {
                continue;
            }
            if (takesKeys(entry) && !overloaded(entry)) {
                return entry;
            }
            if (firstActive == null) {
                firstActive = entry;
            }
        }
        if (firstActive != null) {
            return firstActive;
        }
        walk = current.walk(hash);
        for (int i = walk.next(); i >= 0; i = walk.next()) {
            ServerEntry entry = servers.get(i);
            if (entry.state() == ServerState.PROBING && (takeTrial ? members.lends(entry) : members.trialsByLease())) {
                return entry;
            }
        }
        return null;
    }

    /**
     * Whether the server takes its keys now: {@code ACTIVE}, and settled (see the class comment). Reads the
     * clock only for a server that came back and was not found settled yet; the first pick that finds it so
     * records it.
     */
    boolean takesKeys(ServerEntry entry) {
        if (entry.state() != ServerState.ACTIVE) {
            return false;
        }
        int returns = entry.returns(); // written before the state, and after activeSinceNanos
        if (returns == entry.keysSettledReturn) {
            return true;
        }
        if (clock.nanoTime() - entry.activeSinceNanos < returnDelayNanos) {
            return false;
        }
        entry.keysSettledReturn = returns; // a racing writer of an older count only costs a clock read later
        return true;
    }

    /** Whether one more lease would put the server over the load bound (never when loads are not bounded). */
    private boolean overloaded(ServerEntry entry) {
        if (loadBound == 0) {
            return false;
        }
        int servers = registry.usable().size();
        if (servers <= 1) {
            return false;
        }
        double cap = Math.ceil(loadBound * (leasedTotal.sum() + 1) / servers);
        return entry.leased() + 1 > cap;
    }
}
