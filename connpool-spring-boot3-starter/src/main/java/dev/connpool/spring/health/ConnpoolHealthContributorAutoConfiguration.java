package dev.connpool.spring.health;

import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.PoolDiscoveryDetails;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code connpool} health contributor ({@code /actuator/health/connpool}) in Spring Boot 3's health API
 * ({@code org.springframework.boot.actuate.health}): one child per pool of the {@link MultiPoolRegistry},
 * {@code UP} while at least one of the pool's servers can be used and {@code DOWN} when none can (see
 * {@link PoolHealth}), with a {@code discovery} detail for a pool that finds its servers through a source (ZooKeeper, DNS, Spring Cloud). Needs
 * {@code spring-boot-actuator-autoconfigure}; switched off by {@code management.health.connpool.enabled=false};
 * a bean named {@code connpoolHealthContributor} replaces it.
 */
@AutoConfiguration(after = ConnpoolAutoConfiguration.class,
        beforeName = "org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration")
@ConditionalOnClass({HealthContributor.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(MultiPoolRegistry.class)
public final class ConnpoolHealthContributorAutoConfiguration {

    /**
     * Kept apart so that its health-only condition is read only once spring-boot-actuator-autoconfigure is
     * known to be there: Spring resolves every condition of a class before it evaluates the first.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnEnabledHealthIndicator("connpool")
    static class PoolHealthContributorConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "connpoolHealthContributor")
        HealthContributor connpoolHealthContributor(MultiPoolRegistry pools,
                                                    ObjectProvider<PoolDiscoveryDetails> discovery) {
            PoolDiscoveryDetails details = discovery.getIfAvailable();
            return CompositeHealthContributor.fromMap(PoolHealth.byName(pools),
                    pool -> new MultiPoolHealthIndicator(pool, details));
        }
    }
}
