package dev.connpool.spring.health;

import dev.connpool.MultiPool;
import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.PoolDiscoveryDetails;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code connpool} health contributor ({@code /actuator/health/connpool}): one child per pool of the
 * {@link MultiPoolRegistry}, {@code UP} while at least one of the pool's servers can be used and
 * {@code DOWN} when none can (see {@link MultiPoolHealthIndicator}), with a {@code discovery} detail for a
 * pool that finds its servers in ZooKeeper. Needs {@code spring-boot-health};
 * switched off by {@code management.health.connpool.enabled=false}; a bean named
 * {@code connpoolHealthContributor} replaces it.
 */
@AutoConfiguration(after = ConnpoolAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(MultiPoolRegistry.class)
public final class ConnpoolHealthContributorAutoConfiguration {

    /**
     * Kept apart so that its health-only condition is read only once spring-boot-health is known to be
     * there: Spring resolves every condition of a class before it evaluates the first.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("connpool")
    static class PoolHealthContributorConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "connpoolHealthContributor")
        HealthContributor connpoolHealthContributor(MultiPoolRegistry pools,
                                                    ObjectProvider<PoolDiscoveryDetails> discovery) {
            Map<String, MultiPool<?>> byName = new TreeMap<>();
            for (MultiPool<?> pool : pools) {
                byName.put(pool.name(), pool);
            }
            PoolDiscoveryDetails details = discovery.getIfAvailable();
            return CompositeHealthContributor.fromMap(byName, pool -> new MultiPoolHealthIndicator(pool, details));
        }
    }
}
