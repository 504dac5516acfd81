package dev.connpool.spring;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import org.springframework.aot.generate.GeneratedClass;
import org.springframework.aot.generate.GeneratedMethod;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.core.env.Environment;
import org.springframework.javapoet.ClassName;
import org.springframework.javapoet.CodeBlock;

/**
 * AOT processing writes the pools' bean definitions down at build time, from the configuration the build
 * saw; the AOT-processed application runs without {@link PoolBeanRegistrar} and could not add, drop or
 * change a pool's bean. So the build also writes down the pools it saw (name, factory bean, primary), and
 * the application checks its configuration against them when it starts, before any bean exists: a pool
 * configured at run time and not at build time, or the other way round, or with another factory or
 * primary, fails start-up naming it, never silently.
 */
final class AotPoolCheck {

    private AotPoolCheck() {
    }

    /**
     * The build's side: an initializer of the generated context calling {@link #verify} with the pools
     * configured now.
     */
    static BeanFactoryInitializationAotContribution contribution(ConfiguredPools built) {
        return (generationContext, code) -> {
            ClassName pool = ClassName.get(ConfiguredPools.Pool.class);
            CodeBlock pools = built.pools().stream()
                    .map(p -> CodeBlock.of("new $T($S, $S, $L)", pool, p.name(), p.factory(), p.primary()))
                    .collect(CodeBlock.joining(", "));
            GeneratedClass generated = generationContext.getGeneratedClasses()
                    .addForFeatureComponent("ConnpoolPools", AotPoolCheck.class, type -> type
                            .addJavadoc("The connpool pools configured when the application was processed ahead of time.")
                            .addModifiers(Modifier.PUBLIC));
            GeneratedMethod method = generated.getMethods().add("verifyConnpoolPools", m -> m
                    .addJavadoc("Fails start-up when the configured pools are not the ones processed.")
                    .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                    .addParameter(Environment.class, "environment")
                    .addStatement("$T.verify(environment, $T.of($L))", AotPoolCheck.class, List.class, pools));
            code.addInitializer(method.toMethodReference());
        };
    }

    /**
     * The application's side: its configuration against the build's.
     *
     * @throws ConnpoolConfigurationException naming the first pool that differs
     */
    static void verify(Environment environment, List<ConfiguredPools.Pool> built) {
        ConfiguredPools now = ConfiguredPools.read(environment);
        Set<String> builtNames = built.stream().map(ConfiguredPools.Pool::name).collect(Collectors.toSet());
        for (ConfiguredPools.Pool pool : now.pools()) {
            if (!builtNames.contains(pool.name())) {
                throw new ConnpoolConfigurationException(PoolCreator.path(pool.name(), null), pool.name(),
                        "pool '" + pool.name() + "' is configured, but the application was processed ahead of time "
                                + "(AOT) without it, and its pools were fixed then: " + names(built),
                        "Configure the pool for the AOT processing too (spring-boot:process-aot reads the same "
                                + "configuration) and build again, or start without -Dspring.aot.enabled=true.", null);
            }
        }
        for (ConfiguredPools.Pool pool : built) {
            ConfiguredPools.Pool current = now.pools().stream().filter(p -> p.name().equals(pool.name()))
                    .findFirst().orElse(null);
            if (current == null) {
                throw new ConnpoolConfigurationException(PoolCreator.path(pool.name(), null), null,
                        "pool '" + pool.name() + "' was configured when the application was processed ahead of time "
                                + "(AOT), and is not now; the pools now are " + names(now.pools()),
                        "Configure it again, or process the application ahead of time without it.", null);
            }
            changed(current, "factory", pool.factory(), current.factory());
            changed(current, "primary", pool.primary(), current.primary());
        }
    }

    private static void changed(ConfiguredPools.Pool now, String key, Object then, Object value) {
        if (!Objects.equals(then, value)) {
            String property = PoolCreator.path(now.name(), key);
            throw new ConnpoolConfigurationException(property, value, "was " + then + " when the application was "
                    + "processed ahead of time (AOT), and the pool's bean was defined with it",
                    "Set it back to " + then + " (on the pool or in connpool.defaults), or process the application "
                            + "ahead of time again with the new value.", null);
        }
    }

    private static List<String> names(List<ConfiguredPools.Pool> pools) {
        return pools.stream().map(ConfiguredPools.Pool::name).toList();
    }
}
