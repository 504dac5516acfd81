package dev.connpool.spring;

import dev.connpool.ConnectionFactory;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import java.util.LinkedHashMap;
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
        Map<String, PoolProperties> pools = binder.bind(PoolCreator.PREFIX + ".pools",
                Bindable.mapOf(String.class, PoolProperties.class)).orElse(Map.of());
        String defaultFactory = binder.bind(PoolCreator.PREFIX + ".defaults.factory", String.class).orElse(null);
        Map<String, String> factories = new LinkedHashMap<>();
        pools.forEach((name, pool) -> factories.put(name, pool.getFactory() == null ? "" : pool.getFactory()));
        for (Map.Entry<String, String> pool : factories.entrySet()) {
            String name = pool.getKey();
            String factory = pool.getValue().isEmpty() ? defaultFactory : pool.getValue();
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
