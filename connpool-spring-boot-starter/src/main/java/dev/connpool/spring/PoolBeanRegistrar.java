package dev.connpool.spring;

import dev.connpool.ConnectionFactory;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import java.util.Map;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * Registers one {@link MultiPool} bean per pool under {@code connpool.pools}, named after the pool, typed
 * {@code MultiPool<C>} where {@code C} is what its factory yields ({@link SocketConnection} for the
 * built-in one), so that {@code @Autowired MultiPool<SocketConnection> orders} resolves. The pool is made
 * by {@link PoolCreator} when the bean is created, and closed (gracefully) with the context; a pool that
 * names a factory bean depends on it, so it is closed first.
 */
final class PoolBeanRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, Ordered {

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after the @Configuration classes are read, so factory beans are known
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        Binder binder = Binder.get(environment);
        refuseDiscoveryDefaults(binder);
        Map<String, PoolProperties> pools = binder.bind(PoolCreator.PREFIX + ".pools",
                Bindable.mapOf(String.class, PoolProperties.class)).orElse(Map.of());
        PoolDefaultsProperties defaults = binder.bind(PoolCreator.PREFIX + ".defaults",
                Bindable.of(PoolDefaultsProperties.class)).orElse(null);
        for (Map.Entry<String, PoolProperties> pool : pools.entrySet()) {
            String name = pool.getKey();
            String factory = new MergedPoolProperties(name, pool.getValue(), defaults)
                    .get("factory", PoolDefaultsProperties::getFactory).value();
            if (registry.containsBeanDefinition(name)) {
                throw new ConnpoolConfigurationException(PoolCreator.path(name, null), name,
                        "a bean named '" + name + "' already exists", "Rename the pool or the other bean.", null);
            }
            RootBeanDefinition definition = new RootBeanDefinition(MultiPool.class);
            definition.setTargetType(ResolvableType.forClassWithGenerics(MultiPool.class,
                    connectionType(registry, factory)));
            definition.setInstanceSupplier(() -> creator(registry).create(name));
            definition.setDestroyMethodName(AbstractBeanDefinition.INFER_METHOD);
            definition.setRole(BeanDefinition.ROLE_APPLICATION);
            if (factory != null && registry.containsBeanDefinition(factory)) {
                definition.setDependsOn(factory);
            }
            registry.registerBeanDefinition(name, definition);
        }
    }

    /**
     * Discovery is per pool: a watched path is one pool's, and so is the Curator client of a connect-string.
     * Said here, before the properties are bound, so the message says where to move the key rather than
     * that connpool.defaults has no such key.
     */
    private static void refuseDiscoveryDefaults(Binder binder) {
        String prefix = PoolCreator.PREFIX + ".defaults.discovery.zookeeper";
        Map<String, String> set = binder.bind(prefix, Bindable.mapOf(String.class, String.class)).orElse(Map.of());
        for (Map.Entry<String, String> key : set.entrySet()) {
            String property = prefix + "." + key.getKey();
            throw new ConnpoolConfigurationException(property, key.getValue(),
                    "ZooKeeper discovery is configured per pool, not in connpool.defaults",
                    "Move it to " + PoolCreator.path("<name>", "discovery.zookeeper." + key.getKey())
                            + " of each pool that discovers its servers, and remove " + property + ".", null);
        }
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        // everything happens in postProcessBeanDefinitionRegistry
    }

    private static PoolCreator creator(BeanDefinitionRegistry registry) {
        return ((ConfigurableListableBeanFactory) registry).getBean(PoolCreator.class);
    }

    /** What the named factory bean's ConnectionFactory yields; SocketConnection for the built-in one. */
    private static ResolvableType connectionType(BeanDefinitionRegistry registry, String factory) {
        if (factory == null) {
            return ResolvableType.forClass(SocketConnection.class);
        }
        if (registry instanceof ConfigurableListableBeanFactory beanFactory && beanFactory.containsBean(factory)) {
            ResolvableType type = beanFactory.getMergedBeanDefinition(factory).getResolvableType();
            if (type == ResolvableType.NONE || type.resolve() == null) {
                Class<?> predicted = beanFactory.getType(factory, false);
                type = predicted == null ? ResolvableType.NONE : ResolvableType.forClass(predicted);
            }
            ResolvableType generic = type.as(ConnectionFactory.class).getGeneric(0);
            if (generic.resolve() != null) {
                return generic;
            }
        }
        return ResolvableType.forClass(Object.class);
    }

}
