package dev.connpool.spring.health;

import dev.connpool.MultiPool;
import dev.connpool.PoolStats;
import dev.connpool.ServerStats;
import dev.connpool.spring.PoolDiscoveryDetails;
import dev.connpool.spring.ServerView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one {@link MultiPool}: {@code UP} while at least one of its servers is
 * {@linkplain ServerStats#usable() usable} (its state accepts borrows and it is not failing; core's one
 * definition, which {@code usableServers} counts), {@code DOWN} when none is, with every server as a
 * {@link ServerView} in the details. Reads {@link MultiPool#stats()} only: no connection is opened.
 * Thread-safe.
 */
final class MultiPoolHealthIndicator implements HealthIndicator {

    private final MultiPool<?> pool;
    private final PoolDiscoveryDetails discovery;

    MultiPoolHealthIndicator(MultiPool<?> pool) {
        this(pool, null);
    }

    MultiPoolHealthIndicator(MultiPool<?> pool, PoolDiscoveryDetails discovery) {
        this.pool = pool;
        this.discovery = discovery;
    }

    @Override
    public Health health() {
        PoolStats stats = pool.stats();
        int overdue = 0;
        List<Map<String, Object>> servers = new ArrayList<>(stats.servers().size());
        for (ServerStats server : stats.servers()) {
            overdue += server.overdueLeases();
            servers.add(ServerView.of(server).toMap());
        }
        int usable = stats.usableServers();
        Health.Builder health = usable > 0 ? Health.up() : Health.down();
        health.withDetail("usableServers", usable);
        if (!pool.settings().leakDetection().threshold().isZero()) {
            health.withDetail("overdueLeases", overdue);
        }
        health.withDetail("servers", servers);
        Map<String, Object> discovered = discovery == null ? Map.of() : discovery.details(pool.name());
        if (!discovered.isEmpty()) {
            health.withDetail("discovery", discovered);
        }
        return health.build();
    }
}
