package dev.connpool.spring.health;

import dev.connpool.MultiPool;
import dev.connpool.spring.PoolDiscoveryDetails;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The health of one {@link MultiPool} in Spring Boot 3's health API: {@link PoolHealth} (what is {@code UP}, the
 * details) as a {@link Health}. Thread-safe.
 */
final class MultiPoolHealthIndicator implements HealthIndicator {

    private final MultiPool<?> pool;
    private final @Nullable PoolDiscoveryDetails discovery;

    MultiPoolHealthIndicator(MultiPool<?> pool, @Nullable PoolDiscoveryDetails discovery) {
        this.pool = pool;
        this.discovery = discovery;
    }

    @Override
    public Health health() {
        PoolHealth health = PoolHealth.of(pool, discovery);
        return (health.up() ? Health.up() : Health.down()).withDetails(health.details()).build();
    }
}
