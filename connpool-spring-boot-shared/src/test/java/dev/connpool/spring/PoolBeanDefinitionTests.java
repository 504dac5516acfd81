package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How the pools' beans are defined: named after the pool, {@code primary: true}, and what happens when the
 * application has a bean of a pool's name.
 */
@ExtendWith(OutputCaptureExtension.class)
class PoolBeanDefinitionTests {

    private static final String ORDERS = "connpool.pools.orders.servers=127.0.0.1:9001";
    private static final String USERS = "connpool.pools.users.servers=127.0.0.1:9002";
    private static final String CACHE = "connpool.pools.cache.servers=127.0.0.1:9003";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConnpoolAutoConfiguration.class));

    @Test
    void runWhenOneOfSeveralPoolsIsPrimaryShouldInjectItWithoutAQualifier() {
        runner.withPropertyValues(ORDERS, USERS, "connpool.pools.users.primary=true")
                .withUserConfiguration(UnqualifiedUser.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(UnqualifiedUser.class).pool.name()).isEqualTo("users");
                    assertThat(context.getBeanFactory().getBeanDefinition("users").isPrimary()).isTrue();
                    assertThat(context.getBeanFactory().getBeanDefinition("orders").isPrimary()).isFalse();
                    assertThat(context.getBean(MultiPoolRegistry.class).names()).containsExactlyInAnyOrder("orders", "users");
                });
    }

    @Test
    void runWhenSeveralPoolsAndNoneIsPrimaryShouldRefuseAnUnqualifiedInjection() {
        runner.withPropertyValues(ORDERS, USERS).withUserConfiguration(UnqualifiedUser.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(NoUniqueBeanDefinitionException.class);
        });
    }

    @Test
    void runWhenTwoPoolsArePrimaryShouldFailNamingBoth() {
        runner.withPropertyValues(ORDERS, USERS, CACHE, "connpool.pools.orders.primary=true",
                "connpool.pools.users.primary=true").run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new ConnpoolConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("Property: connpool.pools.users.primary")
                            .contains("pools 'orders' and 'users' are all marked primary; at most one pool may be");
                    assertThat(analysis.getAction()).contains("connpool.pools.orders.primary")
                            .contains("connpool.pools.users.primary");
                });
    }

    @Test
    void runWhenTheApplicationHasAMultiPoolBeanOfAPoolsNameShouldKeepItInsteadOfThePool(CapturedOutput output) {
        runner.withPropertyValues(ORDERS, CACHE).withUserConfiguration(OwnCachePool.class).run(context -> {
            assertThat(context).hasNotFailed();
            MultiPool<?> cache = context.getBean("cache", MultiPool.class);
            assertThat(cache.servers()).containsExactly(ServerAddress.parse("127.0.0.1:7777"));
            assertThat(context.getBeansOfType(MultiPool.class)).containsOnlyKeys("orders", "cache");
            assertThat(context.getBean(MultiPoolRegistry.class).get("own-cache")).isSameAs(cache);
            assertThat(output).contains("pool 'cache' is not created from connpool.pools.cache.*: the application's "
                    + "bean 'cache' (" + MultiPool.class.getName() + ") replaces it");
        });
    }

    @Test
    void runWhenTheApplicationHasAnotherBeanOfAPoolsNameShouldFailNamingBoth() {
        runner.withPropertyValues(ORDERS, CACHE).withUserConfiguration(CacheMap.class).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new ConnpoolConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("Property: connpool.pools.cache")
                    .contains("a bean named 'cache' of type " + Map.class.getName())
                    .contains("which is not a MultiPool");
            assertThat(analysis.getAction()).contains("Rename the pool");
        });
    }

    @Test
    void aPoolsBeanShouldBeMadeByAFactoryMethodWithThePoolsNameSoThatAotCanWriteItDown() {
        runner.withPropertyValues(ORDERS).run(context -> {
            var definition = context.getBeanFactory().getBeanDefinition("orders");
            assertThat(definition.getFactoryBeanName()).isEqualTo(ConnpoolAutoConfiguration.POOL_CREATOR);
            assertThat(definition.getFactoryMethodName()).isEqualTo("create");
            assertThat(definition.getConstructorArgumentValues().getIndexedArgumentValue(0, String.class).getValue())
                    .isEqualTo("orders");
            assertThat(((org.springframework.beans.factory.support.AbstractBeanDefinition) definition)
                    .getInstanceSupplier()).isNull();
        });
    }

    static class UnqualifiedUser {
        final MultiPool<SocketConnection> pool;

        UnqualifiedUser(MultiPool<SocketConnection> pool) {
            this.pool = pool;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCachePool {
        @Bean
        MultiPool<SocketConnection> cache() {
            return MultiPool.builder(SocketConnectionFactory.builder().build()).name("own-cache")
                    .servers(List.of(ServerAddress.parse("127.0.0.1:7777"))).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CacheMap {
        @Bean
        Map<String, String> cache() {
            return Map.of();
        }
    }
}
