package dev.connpool;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is in a pool now, read without a lock: every server (draining ones included) in the order it joined,
 * and each by its address. Only the {@link ServerRegistry} changes it, under its lock; the connection engine
 * and the housekeeping read it.
 *
 * <p>It is an object of its own so that the pool can be built in one direction, with no setter: the
 * members first, then the {@link ConnectionEngine} (which reads them), then the {@link Housekeeper} (which
 * acts through the engine), then the registry (which tells the housekeeper of each state transition).
 */
final class ServerMembers {

    private final Map<ServerAddress, ServerEntry> byAddress = new ConcurrentHashMap<>();
    private volatile List<ServerEntry> all = List.of();

    /** The member with this address, or null. */
    ServerEntry get(ServerAddress server) {
        return byAddress.get(server);
    }

    /** Every member, draining ones included, in the order they joined. */
    List<ServerEntry> all() {
        return all;
    }

    /** A server joined (the registry publishes the new order with {@link #publish}). */
    void put(ServerEntry entry) {
        byAddress.put(entry.address, entry);
    }

    /** A server was forgotten (the registry publishes the new order with {@link #publish}). */
    void remove(ServerEntry entry) {
        byAddress.remove(entry.address, entry);
    }

    /** The members in the order they joined, as the registry's lock saw them. */
    void publish(List<ServerEntry> ordered) {
        all = List.copyOf(ordered); // no copy when it is immutable already
    }
}
