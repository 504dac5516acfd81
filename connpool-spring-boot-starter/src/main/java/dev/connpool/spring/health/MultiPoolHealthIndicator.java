package dev.connpool.spring.health;

import dev.connpool.MultiPool;
import dev.connpool.PoolStats;
import dev.connpool.ServerStats;
import dev.connpool.spring.PoolDiscoveryDetails;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one {@link MultiPool}: {@code UP} while at least one of its servers can serve a borrow,
 * {@code DOWN} when none can, with every server's state and counts as details. Reads
 * {@link MultiPool#stats()} only: no connection is opened. Thread-safe.
 *
 * <p>A server can serve a borrow when its state {@linkplain dev.connpool.ServerState#isUsable() is usable}
 * ({@code ACTIVE} or {@code PROBING}) and it is not failing, that is it has fewer consecutive failures than
 * {@code ejection.consecutive-failures}. The second half matters because the pool never ejects all of its
 * servers (nor more than {@code ejection.max-percent} of them): when every server fails, some stay
 * {@code ACTIVE} or {@code PROBING} with a streak of failures, and they do not make the pool healthy.
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
        int failureLimit = pool.settings().ejectionFailures();
        int usable = 0;
        int overdue = 0;
        List<Map<String, Object>> servers = new ArrayList<>(stats.servers().size());
        for (ServerStats server : stats.servers()) {
            if (canServe(server, failureLimit)) {
                usable++;
            }
            overdue += server.overdueLeases();
            servers.add(details(server));
        }
        Health.Builder health = usable > 0 ? Health.up() : Health.down();
        health.withDetail("usableServers", usable);
        if (!pool.settings().leakDetectionThreshold().isZero()) {
            health.withDetail("leasesOverLeakThreshold", overdue);
        }
        health.withDetail("servers", servers);
        Map<String, Object> discovered = discovery == null ? Map.of() : discovery.details(pool.name());
        if (!discovered.isEmpty()) {
            health.withDetail("discovery", discovered);
        }
        return health.build();
    }

    static boolean canServe(ServerStats server, int failureLimit) {
        return server.state().isUsable() && server.failures() < failureLimit;
    }

    private static Map<String, Object> details(ServerStats server) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("address", server.server().toString());
        details.put("state", server.state().name());
        details.put("active", server.active());
        details.put("idle", server.idle());
        details.put("pending", server.waiting());
        details.put("consecutiveFailures", server.failures());
        details.put("ejections", server.ejections());
        if (server.overdueLeases() > 0) {
            details.put("leasesOverLeakThreshold", server.overdueLeases());
        }
        if (server.ejectedUntil() != null) {
            details.put("ejectedUntil", server.ejectedUntil().toString());
        }
        return details;
    }
}
