package dev.connpool.spring;

import dev.connpool.DnsResolver;
import dev.connpool.MultiPool;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportRuntimeHints;

/**
 * Creates a {@link MultiPool} bean for each pool under {@code connpool.pools} and a
 * {@link MultiPoolRegistry} of every pool, and the server source (ZooKeeper, DNS, Spring Cloud) of the pools
 * that have one.
 * Switched off by {@code connpool.enabled=false}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@ConditionalOnBooleanProperty(name = "connpool.enabled", matchIfMissing = true)
@EnableConfigurationProperties(ConnpoolProperties.class)
@ImportRuntimeHints(ConnpoolRuntimeHints.class)
public final class ConnpoolAutoConfiguration {

    /** The name of the bean whose {@code create(String)} makes each pool's bean. */
    static final String POOL_CREATOR = "connpoolPoolCreator";

    @Bean
    static PoolBeanRegistrar connpoolPoolBeanRegistrar() {
        return new PoolBeanRegistrar();
    }

    @Bean(POOL_CREATOR)
    PoolCreator connpoolPoolCreator(ConnpoolProperties properties, BeanFactory beanFactory,
                                    ObjectProvider<SslBundles> sslBundles,
                                    ObjectProvider<MultiPoolBuilderCustomizer> customizers,
                                    ObjectProvider<PoolSourceFactory> sourceFactories,
                                    PoolServerSources sources) {
        return new PoolCreator(properties, beanFactory, sslBundles, customizers, sourceFactories, sources);
    }

    /** DNS discovery ({@code connpool.pools.<name>.discovery.dns.*}), connpool-core's own. */
    @Bean
    DnsPoolDiscovery connpoolDnsDiscovery(ObjectProvider<DnsResolver> resolvers) {
        return new DnsPoolDiscovery(resolvers);
    }

    /** The pools' running server sources, whatever their kind: started, shown in health, closed. */
    @Bean(PoolServerSources.BEAN_NAME)
    PoolServerSources connpoolServerSources() {
        return new PoolServerSources();
    }

    @Bean
    @ConditionalOnMissingBean
    MultiPoolRegistry multiPoolRegistry(ListableBeanFactory beanFactory) {
        @SuppressWarnings("unchecked")
        List<MultiPool<?>> pools = List.copyOf((java.util.Collection<MultiPool<?>>) (java.util.Collection<?>)
                beanFactory.getBeansOfType(MultiPool.class).values());
        return new MultiPoolRegistry(pools);
    }

    /**
     * ZooKeeper discovery ({@code connpool.pools.<name>.discovery.zookeeper.*}), when connpool-zookeeper and
     * Apache Curator are on the class path. Without them a pool with discovery fails start-up, saying so.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.connpool.zookeeper.ZooKeeperServerSource",
            "org.apache.curator.framework.CuratorFramework"})
    static class ZooKeeperDiscoveryConfiguration {

        @Bean
        ZooKeeperPoolDiscovery connpoolZooKeeperDiscovery() {
            return new ZooKeeperPoolDiscovery();
        }
    }

    /**
     * Spring Cloud discovery ({@code connpool.pools.<name>.discovery.spring-cloud.*}), when spring-cloud-commons
     * is on the class path (a Spring Cloud discovery client brings it). Without it a pool with that discovery
     * fails start-up, saying so.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.cloud.client.discovery.DiscoveryClient")
    static class SpringCloudDiscoveryConfiguration {

        @Bean
        SpringCloudPoolDiscovery connpoolSpringCloudDiscovery() {
            return new SpringCloudPoolDiscovery();
        }
    }
}
