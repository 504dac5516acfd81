package dev.connpool.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.core.env.Environment;

/**
 * The pools under {@code connpool.pools} as their bean definitions need them (name, factory bean, primary),
 * read from the {@link Environment} before any bean exists: by {@link PoolBeanRegistrar}, and in an
 * AOT-processed application by {@link AotPoolCheck}, which compares them with the build's. Refuses here what
 * must be refused before a bean definition is written: discovery under {@code connpool.defaults}, a value
 * outside a closed set ({@link UnknownValueBindHandler}), a key no setting has ({@link UnknownKeys}), more
 * than one primary pool. Immutable.
 *
 * @param pools the pools in the order they are configured
 */
record ConfiguredPools(List<Pool> pools) {

    /**
     * One pool's bean definition, as configured.
     *
     * @param name    the pool's name, its bean's name
     * @param factory the name of its ConnectionFactory bean (its own or connpool.defaults'), or {@code null}
     * @param primary whether its bean is the primary MultiPool
     */
    record Pool(String name, String factory, boolean primary) {
    }

    ConfiguredPools {
        pools = List.copyOf(pools);
    }

    /** Binds connpool.pools and connpool.defaults from the environment and checks what bean definitions need. */
    static ConfiguredPools read(Environment environment) {
        Binder binder = Binder.get(environment);
        refuseDiscoveryDefaults(binder);
        Map<String, PoolProperties> pools = bind(binder, PoolCreator.PREFIX + ".pools",
                Bindable.mapOf(String.class, PoolProperties.class), Map.of(), PoolProperties.class);
        PoolDefaultsProperties defaults = bind(binder, PoolCreator.PREFIX + ".defaults",
                Bindable.of(PoolDefaultsProperties.class), null, null);
        List<Pool> read = new ArrayList<>(pools.size());
        pools.forEach((name, own) -> read.add(new Pool(name, new MergedPoolProperties(name, own, defaults)
                .get("factory", PoolDefaultsProperties::getFactory).value(), Boolean.TRUE.equals(own.getPrimary()))));
        ConfiguredPools configured = new ConfiguredPools(read);
        configured.refuseSeveralPrimaries();
        return configured;
    }

    /**
     * Binds, reporting a failure of the starter's own (a value outside a closed set) as itself, and a key no
     * setting has as {@link UnknownKeys} does (with the closest key).
     *
     * @param pool the properties class of a pool when {@code target} is a map of pools, else {@code null}
     */
    private static <T> T bind(Binder binder, String prefix, Bindable<T> target, T otherwise, Class<?> pool) {
        try {
            return binder.bind(prefix, target, new NoUnboundElementsBindHandler(new UnknownValueBindHandler(),
                    new UnboundElementsSourceFilter())).orElse(otherwise);
        } catch (BindException e) {
            if (e.getCause() instanceof ConnpoolConfigurationException refused) {
                throw refused;
            }
            if (e.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
                throw UnknownKeys.refuse(prefix, pool != null, pool != null ? pool : PoolDefaultsProperties.class,
                        unbound, e);
            }
            throw e;
        }
    }

    private void refuseSeveralPrimaries() {
        List<String> primaries = pools.stream().filter(Pool::primary).map(Pool::name).toList();
        if (primaries.size() > 1) {
            String properties = primaries.stream().map(p -> PoolCreator.path(p, "primary"))
                    .collect(Collectors.joining(", "));
            throw new ConnpoolConfigurationException(PoolCreator.path(primaries.get(1), "primary"), true,
                    "pools " + primaries.stream().map(p -> "'" + p + "'").collect(Collectors.joining(" and "))
                            + " are all marked primary; at most one pool may be",
                    "Keep primary: true on one of " + properties + " and remove it from the others; inject those "
                            + "with @Qualifier(\"<pool name>\").", null);
        }
    }

    /**
     * Discovery is per pool: a watched path, a DNS name or a service id is one pool's, and so is the Curator
     * client of a connect-string. Said here, before the properties are bound, so the message says where to
     * move the key rather than that connpool.defaults has no such key.
     */
    private static void refuseDiscoveryDefaults(Binder binder) {
        for (String kind : List.of("zookeeper", "dns", "spring-cloud")) {
            String prefix = PoolCreator.PREFIX + ".defaults.discovery." + kind;
            Map<String, String> set = binder.bind(prefix, Bindable.mapOf(String.class, String.class)).orElse(Map.of());
            for (Map.Entry<String, String> key : set.entrySet()) {
                String property = prefix + "." + key.getKey();
                throw new ConnpoolConfigurationException(property, key.getValue(),
                        "discovery is configured per pool, not in connpool.defaults",
                        "Move it to " + PoolCreator.path("<name>", "discovery." + kind + "." + key.getKey())
                                + " of each pool that discovers its servers, and remove " + property + ".", null);
            }
        }
    }
}
