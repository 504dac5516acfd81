package dev.connpool.spring.metrics;

import dev.connpool.MultiPool;
import dev.connpool.PoolListener;
import dev.connpool.ServerAddress;
import dev.connpool.ServerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The per-server meters of one pool in one {@link MeterRegistry}, kept in step with the pool's servers: a
 * {@link PoolListener} that registers a server's meters when it joins and removes them when it leaves.
 *
 * <p>Nothing here holds the pool strongly: the meters reference it weakly (Micrometer's default for gauges
 * and function counters) and this listener through a {@link WeakReference}, so the registry keeps neither
 * a closed pool nor a removed server alive. Each reading is live and O(1): it reads that one server's
 * counters through {@link MultiPool#stats(ServerAddress)}, never a snapshot of the whole pool, so a gauge read
 * right after a borrow shows it.
 *
 * <p>Thread-safe: membership changes are serialised on this object.
 */
final class PoolMeters implements PoolListener {

    static final String ACTIVE = "connpool.connections.active";
    static final String IDLE = "connpool.connections.idle";
    static final String PENDING = "connpool.connections.pending";
    static final String MAX = "connpool.connections.max";
    static final String CREATED = "connpool.connections.created";
    static final String DESTROYED = "connpool.connections.destroyed";
    static final String UP = "connpool.server.up";
    static final String EJECTIONS = "connpool.server.ejections";

    private final WeakReference<MultiPool<?>> pool;
    private final String name;
    private final MeterRegistry registry;

    // Guarded by this.
    private final Map<ServerAddress, List<Meter>> meters = new LinkedHashMap<>();
    private boolean closed;

    PoolMeters(MultiPool<?> pool, MeterRegistry registry) {
        this.pool = new WeakReference<>(pool);
        this.name = pool.name();
        this.registry = registry;
    }

    /** Registers the meters of every server the pool has now. Call after adding this as a listener. */
    synchronized void bindServers() {
        MultiPool<?> p = pool.get();
        if (p == null || closed) {
            return;
        }
        for (ServerAddress server : p.servers()) {
            meters.computeIfAbsent(server, s -> register(p, s));
        }
    }

    @Override
    public void serverAdded(String pool, ServerAddress server) {
        follow(server);
    }

    @Override
    public void serverRemoved(String pool, ServerAddress server) {
        follow(server);
    }

    /**
     * Makes the meters of {@code server} match the pool's membership now. Events of one server may reach
     * listeners out of order when threads race; whatever arrives last sees the final membership.
     */
    private synchronized void follow(ServerAddress server) {
        MultiPool<?> p = pool.get();
        if (p == null || closed) {
            return;
        }
        follow(p, server);
    }

    private void follow(MultiPool<?> p, ServerAddress server) {
        boolean member = p.servers().contains(server);
        if (member && !meters.containsKey(server)) {
            meters.put(server, register(p, server));
        } else if (!member) {
            List<Meter> gone = meters.remove(server);
            if (gone != null) {
                gone.forEach(registry::remove);
            }
        }
    }

    /** Removes every meter this registered and stops following the pool. */
    synchronized void close() {
        closed = true;
        meters.values().forEach(list -> list.forEach(registry::remove));
        meters.clear();
    }

    /** The servers whose meters are registered now (for tests). */
    synchronized Set<ServerAddress> servers() {
        return Set.copyOf(meters.keySet());
    }

    /**
     * The server's meters. None has a base unit: each counts things (connections, waiting borrowers,
     * ejections), and a unit would only lengthen the exported name ({@code connpool_connections_active},
     * not {@code connpool_connections_active_connections}), as HikariCP's {@code hikaricp_connections_active}.
     * What only grows is a counter (Prometheus {@code TYPE counter}, {@code _total}); the rest are gauges.
     */
    private List<Meter> register(MultiPool<?> p, ServerAddress server) {
        Tags tags = Tags.of("pool", name, "server", server.toString());
        List<Meter> list = new ArrayList<>(8);
        list.add(gauge(ACTIVE, p, tags, "Connections of the server lent out or on their way back", server,
                ServerStats::active));
        list.add(gauge(IDLE, p, tags, "Idle connections of the server, ready to lend", server, ServerStats::idle));
        list.add(gauge(PENDING, p, tags, "Borrowers waiting for a connection of the server (borrowers, not connections)",
                server, ServerStats::waiting));
        list.add(Gauge.builder(MAX, p, pl -> pl.settings().limits().maxActive()).tags(tags)
                .description("Connections allowed per server (max-active)").register(registry));
        list.add(gauge(UP, p, tags, "1 while the server is usable (its state accepts borrows and it is not failing), else 0",
                server, s -> s.usable() ? 1 : 0));
        list.add(counter(CREATED, p, tags, "Connections opened to the server", server, ServerStats::created));
        list.add(counter(DESTROYED, p, tags, "Connections to the server closed", server, ServerStats::destroyed));
        list.add(counter(EJECTIONS, p, tags, "Times the server was ejected", server, ServerStats::ejections));
        return list;
    }

    private Gauge gauge(String meter, MultiPool<?> p, Tags tags, String description, ServerAddress server,
                        ToDoubleFunction<ServerStats> value) {
        return Gauge.builder(meter, p, value(server, value)).tags(tags).description(description).register(registry);
    }

    /** A counter over one of the server's cumulative counts, read live (never decreasing while it is a member). */
    private FunctionCounter counter(String meter, MultiPool<?> p, Tags tags, String description,
                                    ServerAddress server, ToDoubleFunction<ServerStats> value) {
        return FunctionCounter.builder(meter, p, value(server, value)).tags(tags).description(description)
                .register(registry);
    }

    /** Reads one value of one server, live; NaN once the server has left the pool. */
    private static ToDoubleFunction<MultiPool<?>> value(ServerAddress server, ToDoubleFunction<ServerStats> value) {
        return p -> {
            ServerStats stats = p.stats(server);
            return stats == null ? Double.NaN : value.applyAsDouble(stats);
        };
    }

    @Override
    public String toString() {
        return "PoolMeters[" + name + "]";
    }

}
