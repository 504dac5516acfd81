package dev.connpool.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.MultiPoolRegistry;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class ConnpoolEndpointAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class,
                    ConnpoolEndpointAutoConfiguration.class))
            .withPropertyValues("connpool.pools.orders.servers=127.0.0.1:9001");

    private static final String EXPOSED = "management.endpoints.web.exposure.include=connpools";

    @Test
    void runWhenExposedOverHttpShouldHaveTheEndpointAndItsWebExtension() {
        runner.withPropertyValues(EXPOSED).run(context -> {
            assertThat(context).hasSingleBean(ConnpoolsEndpoint.class)
                    .hasSingleBean(ConnpoolsEndpointWebExtension.class);
            assertThat(context.getBean(ConnpoolsEndpoint.class).pools().pools()).containsOnlyKeys("orders");
        });
    }

    @Test
    void runWhenAllEndpointsAreExposedShouldHaveTheEndpoint() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=*")
                .run(context -> assertThat(context).hasSingleBean(ConnpoolsEndpoint.class));
    }

    @Test
    void runWhenNotExposedShouldNotHaveTheEndpoint() {
        runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(MultiPoolRegistry.class)
                .doesNotHaveBean(ConnpoolsEndpoint.class).doesNotHaveBean(ConnpoolsEndpointWebExtension.class));
    }

    @Test
    void runWhenExposedButAccessIsNoneShouldNotHaveTheEndpoint() {
        runner.withPropertyValues(EXPOSED, "management.endpoint.connpools.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(ConnpoolsEndpoint.class));
    }

    @Test
    void runWhenOnlyExposedOverJmxShouldHaveTheEndpointWithoutTheWebExtension() {
        runner.withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=connpools")
                .run(context -> assertThat(context).hasSingleBean(ConnpoolsEndpoint.class)
                        .doesNotHaveBean(ConnpoolsEndpointWebExtension.class));
    }

    @Test
    void runWhenConnpoolIsDisabledShouldNotHaveTheEndpoint() {
        runner.withPropertyValues(EXPOSED, "connpool.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MultiPoolRegistry.class)
                        .doesNotHaveBean(ConnpoolsEndpoint.class));
    }

    @Test
    void runWhenSpringBootActuatorIsMissingShouldNotHaveTheEndpoint() {
        runner.withPropertyValues(EXPOSED)
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.endpoint"))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MultiPoolRegistry.class)
                        .doesNotHaveBean(ConnpoolsEndpoint.class));
    }

    @Test
    void runWhenActuatorAutoConfigureIsMissingShouldNotHaveTheEndpoint() {
        runner.withPropertyValues(EXPOSED)
                .withClassLoader(new FilteredClassLoader(ConditionalOnAvailableEndpoint.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MultiPoolRegistry.class)
                        .doesNotHaveBean(ConnpoolsEndpoint.class));
    }

    @Test
    void runWhenTheUserDefinesTheEndpointShouldBackOff() {
        runner.withPropertyValues(EXPOSED).withUserConfiguration(OwnEndpoint.class).run(context -> {
            assertThat(context).hasSingleBean(ConnpoolsEndpoint.class);
            assertThat(context.getBean(ConnpoolsEndpoint.class)).isSameAs(context.getBean("ownEndpoint"));
            assertThat(context.getBean(ConnpoolsEndpointWebExtension.class)).isNotNull();
        });
    }

    @Test
    void everyBeanMethodShouldBeConditionalOnMissingBean() {
        List<Method> beans = Arrays.stream(ConnpoolEndpointAutoConfiguration.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Bean.class)).toList();
        assertThat(beans).hasSize(2).allSatisfy(m -> assertThat(m.isAnnotationPresent(ConditionalOnMissingBean.class))
                .as(m.getName()).isTrue());
    }

    @Test
    void theAutoConfigurationShouldBeListedInTheImportsFile() throws Exception {
        String imports = new String(getClass().getClassLoader().getResourceAsStream(
                "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(imports.lines()).contains(ConnpoolEndpointAutoConfiguration.class.getName());
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnEndpoint {
        @Bean
        ConnpoolsEndpoint ownEndpoint(MultiPoolRegistry registry) {
            return new ConnpoolsEndpoint(registry);
        }
    }
}
