package dev.connpool.spring;

import dev.connpool.MultiPool;
import dev.connpool.ServerSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.SmartApplicationListener;

/**
 * Makes the Spring Cloud source ({@link SpringCloudServerSource}) of each pool with
 * {@code discovery.spring-cloud}, on the application's {@link DiscoveryClient} (the primary one: Spring
 * Cloud's composite of every client), and has every such source read its client again on Spring Cloud's
 * events: {@link HeartbeatEvent} (published by the clients when their registry changes: Consul's and
 * Kubernetes' catalog watches, Eureka's cache refresh, Spring Cloud Zookeeper's watch of its root once the
 * application registered itself), {@link InstanceRegisteredEvent}, and spring-cloud-context's
 * {@code EnvironmentChangeEvent} (the simple client's instances are properties). Loaded only when
 * spring-cloud-commons is on the class path.
 */
final class SpringCloudPoolDiscovery implements PoolSourceFactory, SmartApplicationListener, BeanFactoryAware {

    /** Events after which the instances may have changed; the last one is spring-cloud-context's, by name. */
    private static final Set<String> REFRESHING_EVENTS = Set.of(HeartbeatEvent.class.getName(),
            InstanceRegisteredEvent.class.getName(),
            "org.springframework.cloud.context.environment.EnvironmentChangeEvent");

    private final List<SpringCloudServerSource> sources = new CopyOnWriteArrayList<>();
    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public String kind() {
        return SpringCloudDiscoverySettings.KIND;
    }

    @Override
    public ServerSource create(MultiPool<?> pool, SourceSettings sourceSettings) {
        SpringCloudDiscoverySettings settings = (SpringCloudDiscoverySettings) sourceSettings;
        DiscoveryClient client;
        try {
            client = beanFactory.getBeanProvider(DiscoveryClient.class).getIfAvailable();
        } catch (NoUniqueBeanDefinitionException e) {
            String property = settings.property("service-id");
            throw new ConnpoolConfigurationException(property, settings.serviceId(), "pool '" + settings.pool()
                    + "' has Spring Cloud discovery, and the application has several DiscoveryClient beans "
                    + e.getBeanNamesFound() + ", none of them primary",
                    "Mark one of them @Primary (Spring Cloud's composite client, when it is auto-configured, is).", e);
        }
        if (client == null) {
            String property = settings.property("service-id");
            throw new ConnpoolConfigurationException(property, settings.serviceId(), "pool '" + settings.pool()
                    + "' has Spring Cloud discovery, but the application has no DiscoveryClient bean "
                    + "(spring.cloud.discovery.enabled=false?)",
                    "Add your registry's Spring Cloud discovery client (Consul, Eureka, Kubernetes, Zookeeper), or "
                            + "list instances under spring.cloud.discovery.client.simple.instances." + settings.serviceId()
                            + ", or remove " + PoolCreator.path(settings.pool(), "discovery") + ".", null);
        }
        // the sources stop before the clients they read
        for (String name : beanFactory.getBeanNamesForType(DiscoveryClient.class)) {
            beanFactory.registerDependentBean(name, PoolServerSources.BEAN_NAME);
        }
        SpringCloudServerSource source = new SpringCloudServerSource(pool, client, settings);
        sources.add(source);
        return source;
    }

    @Override
    public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
        for (Class<?> type = eventType; type != null; type = type.getSuperclass()) {
            if (REFRESHING_EVENTS.contains(type.getName())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        sources.forEach(SpringCloudServerSource::refresh);
    }
}
