package dev.connpool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is in a pool now, read without a lock: every server (draining ones included) in the order it joined,
 * each by its address, and the ones that accept borrows (what the balancer picks from). Only the
 * {@link ServerRegistry} changes it, under its lock, and republishes the snapshots after every transition;
 * the connection engine, the housekeeping and the picker read them.
 *
 * <p>It also holds the one rule of who may lend a server ({@link #lends}): an {@code ACTIVE} one, and a
 * {@code PROBING} one only when trials are by lease (the factory's probe is no round trip, see
 * {@link ConnectionFactory#probeIsRoundTrip}); else a probing server is the housekeeper's to try, and is left
 * out of the snapshot the balancer picks from.
 *
 * <p>It is an object of its own so that the pool can be built in one direction, with no setter: the
 * members first, then the {@link ConnectionEngine} (which reads them), then the {@link Housekeeper} (which
 * acts through the engine), then the registry (which tells the housekeeper of each state transition).
 */
final class ServerMembers {

    /** Whether a borrower's lease is a probing server's trial (the factory's probe proves nothing more). */
    private final boolean trialsByLease;
    private final Map<ServerAddress, ServerEntry> byAddress = new ConcurrentHashMap<>();
    /** Insertion order; guarded by the registry's lock. */
    private final Map<ServerAddress, ServerEntry> ordered = new LinkedHashMap<>();
    private volatile List<ServerEntry> all = List.of();
    private volatile List<ServerEntry> acceptingBorrows = List.of();

    /** Members whose probing servers are tried by a borrower's lease (what a factory without a round trip gets). */
    ServerMembers() {
        this(true);
    }

    /**
     * @param trialsByLease whether a borrower may take a probing server's trial; false when the pool's own trial
     *                      proves the server answers ({@link ConnectionFactory#probeIsRoundTrip})
     */
    ServerMembers(boolean trialsByLease) {
        this.trialsByLease = trialsByLease;
    }

    /** Whether a borrower's lease is a probing server's trial; else the housekeeper's trial alone re-admits it. */
    boolean trialsByLease() {
        return trialsByLease;
    }

    /**
     * Whether a borrow may use the server now: an {@code ACTIVE} one; a {@code PROBING} one only when trials are
     * by lease and this thread takes its trial permit (which it then holds). Lock-free.
     */
    boolean lends(ServerEntry e) {
        ServerState state = e.state();
        return offers(state) && (state == ServerState.ACTIVE || e.tryStartTrial());
    }

    /**
     * Whether a server in this state is offered to borrowers: an {@code ACTIVE} one, a {@code PROBING} one with
     * trials by lease. Any other is out (ejection's cap and never-all rule count it so, see {@link EjectionRoom}).
     */
    boolean offers(ServerState state) {
        return state == ServerState.ACTIVE || state == ServerState.PROBING && trialsByLease;
    }

    /** The member with this address, or null. */
    ServerEntry get(ServerAddress server) {
        return byAddress.get(server);
    }

    /** Every member, draining ones included, in the order they joined. */
    List<ServerEntry> all() {
        return all;
    }

    /** The members a borrow may use, as last published: those whose state accepts borrows, probing ones only with trials by lease. */
    List<ServerEntry> acceptingBorrows() {
        return acceptingBorrows;
    }

    /** The addresses of every member but the draining ones (the members a user sees). */
    Set<ServerAddress> addresses() {
        Set<ServerAddress> servers = new LinkedHashSet<>();
        for (ServerEntry entry : all) {
            if (entry.state() != ServerState.DRAINING) {
                servers.add(entry.address);
            }
        }
        return Set.copyOf(servers);
    }

    /** A server joined (the registry publishes the new order with {@link #publish}). */
    void put(ServerEntry entry) {
        byAddress.put(entry.address, entry);
        ordered.put(entry.address, entry);
    }

    /** A server was forgotten (the registry publishes the new order with {@link #publish}). */
    void remove(ServerEntry entry) {
        byAddress.remove(entry.address, entry);
        ordered.remove(entry.address, entry);
    }

    /** Republishes the members in the order they joined and those accepting borrows, under the registry's lock. */
    void publish() {
        List<ServerEntry> joined = List.copyOf(ordered.values());
        List<ServerEntry> open = new ArrayList<>(joined.size());
        for (ServerEntry e : joined) {
            if (offers(e.state())) {
                open.add(e);
            }
        }
        all = joined;
        acceptingBorrows = List.copyOf(open);
    }
}
