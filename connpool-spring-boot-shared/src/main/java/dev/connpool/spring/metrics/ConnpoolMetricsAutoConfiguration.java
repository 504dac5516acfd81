package dev.connpool.spring.metrics;

import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.MultiPoolBuilderCustomizer;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer metrics of the connpool pools (needs {@code micrometer-core} and a {@link MeterRegistry}
 * bean): a {@link ConnpoolMeterBinder} for the per-server gauges and counters, and a
 * {@link MultiPoolBuilderCustomizer} that gives every configured pool a {@link dev.connpool.PoolMetrics}
 * recording the {@code connpool.connections.acquire} timer and the {@code connpool.connections.timeout}
 * counter. A bean of type {@code ConnpoolMeterBinder}, or a customizer bean named
 * {@code connpoolMetricsCustomizer}, replaces the one here.
 *
 * <p>Shared by the starters of both Spring Boot generations, so it is ordered after the auto-configurations that
 * make the {@link MeterRegistry} in each (Boot 4's {@code spring-boot-micrometer-metrics}, Boot 3's
 * {@code spring-boot-actuator-autoconfigure}): without that, its {@code @ConditionalOnBean(MeterRegistry.class)}
 * would be evaluated before the registry is defined and the meters would silently be missing. Boot ignores
 * the names of the generation that is not there.
 */
@AutoConfiguration(after = ConnpoolAutoConfiguration.class, afterName = {
        // Spring Boot 4
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        // Spring Boot 3
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, MeterBinder.class})
@ConditionalOnBean(MeterRegistry.class)
public final class ConnpoolMetricsAutoConfiguration {

    @Bean
    @ConditionalOnBean(MultiPoolRegistry.class)
    @ConditionalOnMissingBean
    ConnpoolMeterBinder connpoolMeterBinder(MultiPoolRegistry pools) {
        return new ConnpoolMeterBinder(pools);
    }

    @Bean
    @ConditionalOnMissingBean(name = "connpoolMetricsCustomizer")
    MultiPoolBuilderCustomizer connpoolMetricsCustomizer(ObjectProvider<MeterRegistry> registry) {
        return (name, builder) -> builder.metrics(new MicrometerPoolMetrics(name, registry));
    }
}
