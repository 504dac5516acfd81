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
 * <p>It is an object of its own so that the pool can be built in one direction, with no setter: the
 * members first, then the {@link ConnectionEngine} (which reads them), then the {@link Housekeeper} (which
 * acts through the engine), then the registry (which tells the housekeeper of each state transition).
 */
final class ServerMembers {

    private final Map<ServerAddress, ServerEntry> byAddress = new ConcurrentHashMap<>();
    /** Insertion order; guarded by the registry's lock. */
    private final Map<ServerAddress, ServerEntry> ordered = new LinkedHashMap<>();
    private volatile List<ServerEntry> all = List.of();
    private volatile List<ServerEntry> acceptingBorrows = List.of();

    /** The member with this address, or null. */
    ServerEntry get(ServerAddress server) {
        return byAddress.get(server);
    }

    /** Every member, draining ones included, in the order they joined. */
    List<ServerEntry> all() {
        return all;
    }

    /** The members whose state accepts borrows, as last published. */
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
            if (e.state().acceptsBorrows()) {
                open.add(e);
            }
        }
        all = joined;
        acceptingBorrows = List.copyOf(open);
    }
}
