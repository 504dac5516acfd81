package dev.connpool.spring;

import java.util.List;
import java.util.function.Predicate;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

/**
 * What differs between the Spring Boot generations, for the tests both starters share
 * ({@code connpool-spring-boot-shared/src/test/java}): here, Spring Boot 4's. The Boot 3 starter has a class of
 * the same name and members for Boot 3.
 */
public final class BootGeneration {

    /** The package of Boot's health API, filtered out to run the starter without it. */
    public static final String HEALTH_API_PACKAGE = "org.springframework.boot.health";

    /** Boot's auto-configuration that binds every {@code MeterBinder} bean to the meter registries. */
    public static final Class<?> METRICS_AUTO_CONFIGURATION = MetricsAutoConfiguration.class;

    /** Boot's auto-configurations that make the application's meter registry when it defines none. */
    public static final List<Class<?>> METER_REGISTRY_AUTO_CONFIGURATIONS = List.of(
            CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class);

    private BootGeneration() {
    }

    /** The children of the {@code connpool} health contributor (a composite of health indicators), in order. */
    public static List<String> healthChildren(ApplicationContext context) {
        CompositeHealthContributor composite = composite(context);
        List<String> names = composite.stream().map(HealthContributors.Entry::name).toList();
        names.forEach(name -> health(composite.getContributor(name)));
        return names;
    }

    /** The health of one pool, from the {@code connpool} contributor. */
    public static HealthView health(ApplicationContext context, String pool) {
        return health(composite(context).getContributor(pool));
    }

    /** What a health indicator reports. */
    public static HealthView health(Object indicator) {
        Health health = ((HealthIndicator) indicator).health();
        return new HealthView(health.getStatus().getCode(), health.getDetails());
    }

    /** The runner with an application's own health indicator of that name, {@code UP} with the detail mine=true. */
    public static ApplicationContextRunner withOwnHealthIndicator(ApplicationContextRunner runner, String name) {
        HealthIndicator mine = () -> Health.up().withDetail("mine", true).build();
        return runner.withBean(name, HealthIndicator.class, () -> mine);
    }

    /** Whether the hints let a native image invoke that method of the type reflectively (Spring Framework 7's words). */
    public static Predicate<RuntimeHints> onMethodInvocation(Class<?> type, String method) {
        return RuntimeHintsPredicates.reflection().onMethodInvocation(type, method);
    }

    private static CompositeHealthContributor composite(ApplicationContext context) {
        return context.getBean("connpoolHealthContributor", CompositeHealthContributor.class);
    }
}
