package dev.connpool.spring;

import dev.connpool.ConnectionFactory;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

/**
 * Registers one {@link MultiPool} bean per pool under {@code connpool.pools}, named after the pool, typed
 * {@code MultiPool<C>} where {@code C} is what its factory yields ({@link SocketConnection} for the
 * built-in one), so that {@code @Autowired MultiPool<SocketConnection> orders} resolves; marked primary
 * with {@code primary: true}. A bean the application defines under a pool's name replaces the pool when it
 * is a {@code MultiPool} (logged at INFO); any other bean of that name fails start-up.
 *
 * <p>Each bean is made by {@link PoolCreator#create(String)} as a factory method of the
 * {@value ConnpoolAutoConfiguration#POOL_CREATOR} bean with the pool's name as its argument, so that AOT
 * processing can write it down (no instance supplier), and closed ({@code close()}, gracefully) with the
 * context; a pool that names a factory bean depends on it, so it is closed first. In an AOT-processed
 * application this registrar does not run: as a {@link BeanFactoryInitializationAotProcessor} it is left
 * out of the generated context, to which it adds {@link AotPoolCheck} instead (the configuration checked
 * against the build's).
 */
final class PoolBeanRegistrar implements BeanDefinitionRegistryPostProcessor, BeanFactoryInitializationAotProcessor,
        EnvironmentAware, Ordered {

    private static final Logger log = LoggerFactory.getLogger(PoolBeanRegistrar.class);

    private Environment environment;
    private ConfiguredPools registered;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after the @Configuration classes are read, so the application's beans are known
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        ConfiguredPools configured = ConfiguredPools.read(environment);
        for (ConfiguredPools.Pool pool : configured.pools()) {
            if (registry.isBeanNameInUse(pool.name())) {
                keepTheApplicationsBean(registry, pool);
                continue;
            }
            registry.registerBeanDefinition(pool.name(), definition(registry, pool));
        }
        registered = configured;
    }

    /** At build time: the check, in the generated context, of the pools against those registered here. */
    @Override
    public BeanFactoryInitializationAotContribution processAheadOfTime(ConfigurableListableBeanFactory beanFactory) {
        return registered == null ? null : AotPoolCheck.contribution(registered);
    }

    static RootBeanDefinition definition(BeanDefinitionRegistry registry, ConfiguredPools.Pool pool) {
        RootBeanDefinition definition = new RootBeanDefinition();
        definition.setFactoryBeanName(ConnpoolAutoConfiguration.POOL_CREATOR);
        definition.setFactoryMethodName("create");
        definition.getConstructorArgumentValues().addIndexedArgumentValue(0, pool.name());
        definition.setTargetType(ResolvableType.forClassWithGenerics(MultiPool.class,
                connectionType(registry, pool.factory())));
        definition.setDestroyMethodName("close");
        definition.setRole(BeanDefinition.ROLE_APPLICATION);
        definition.setPrimary(pool.primary());
        if (pool.factory() != null && registry.containsBeanDefinition(pool.factory())) {
            definition.setDependsOn(pool.factory());
        }
        return definition;
    }

    /**
     * The application has a bean of the pool's name: a MultiPool replaces the pool, as a user's bean replaces
     * an auto-configured one; another bean would leave the configured pool silently missing, so it is refused.
     */
    private static void keepTheApplicationsBean(BeanDefinitionRegistry registry, ConfiguredPools.Pool pool) {
        Class<?> type = registry instanceof ConfigurableListableBeanFactory beanFactory
                ? beanFactory.getType(pool.name(), false) : null;
        String property = PoolCreator.path(pool.name(), null);
        if (type != null && !MultiPool.class.isAssignableFrom(type)) {
            throw new ConnpoolConfigurationException(property, pool.name(), "the application has a bean named '"
                    + pool.name() + "' of type " + type.getName() + ", which is not a MultiPool, and a pool's bean "
                    + "is named after the pool", "Rename the pool (its bean takes the new name) or the other bean. A "
                    + "MultiPool bean of the pool's name would replace the pool.", null);
        }
        log.info("pool '{}' is not created from {}.*: the application's bean '{}' ({}) replaces it{}", pool.name(),
                property, pool.name(), type == null ? "type not known yet" : type.getName(),
                pool.primary() ? "; its primary: true does not apply to that bean" : "");
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        // everything happens in postProcessBeanDefinitionRegistry
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
