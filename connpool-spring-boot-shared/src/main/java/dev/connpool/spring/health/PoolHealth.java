package dev.connpool.spring.health;

import dev.connpool.MultiPool;
import dev.connpool.PoolStats;
import dev.connpool.ServerStats;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.PoolDiscoveryDetails;
import dev.connpool.spring.ServerView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The health of one {@link MultiPool}, whatever Spring Boot's health API: {@code up} while at least one of its
 * servers is {@linkplain ServerStats#usable() usable} (its state accepts borrows and it is not failing; core's
 * one definition, which {@code usableServers} counts), else down; the details list every server as a
 * {@link ServerView}, the leases held too long when leak detection is on, and the pool's discovery when it has
 * one. Each starter's {@code MultiPoolHealthIndicator} turns it into its Boot generation's {@code Health}.
 * Reads {@link MultiPool#stats()} only: no connection is opened.
 *
 * @param up      whether the pool is {@code UP}
 * @param details the details, in the order they are shown
 */
record PoolHealth(boolean up, Map<String, Object> details) {

    /** Reads the pool's health now. */
    static PoolHealth of(MultiPool<?> pool, @Nullable PoolDiscoveryDetails discovery) {
        PoolStats stats = pool.stats();
        int overdue = 0;
        List<Map<String, Object>> servers = new ArrayList<>(stats.servers().size());
        for (ServerStats server : stats.servers()) {
            overdue += server.overdueLeases();
            servers.add(ServerView.of(server).toMap());
        }
        int usable = stats.usableServers();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("usableServers", usable);
        if (!pool.settings().leakDetection().threshold().isZero()) {
            details.put("overdueLeases", overdue);
        }
        details.put("servers", servers);
        Map<String, Object> discovered = discovery == null ? Map.of() : discovery.details(pool.name());
        if (!discovered.isEmpty()) {
            details.put("discovery", discovered);
        }
        return new PoolHealth(usable > 0, details);
    }

    /** The pools by name, sorted: the children of the {@code connpool} contributor. */
    static Map<String, MultiPool<?>> byName(MultiPoolRegistry pools) {
        Map<String, MultiPool<?>> byName = new TreeMap<>();
        for (MultiPool<?> pool : pools) {
            byName.put(pool.name(), pool);
        }
        return byName;
    }
}
