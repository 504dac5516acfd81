package dev.connpool.spring;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What a native image must keep for reflection: {@link ServerView} (with {@link ServerView.Change}), whose
 * {@code toMap()} reads its record components reflectively and whose values JSON writes field by field in
 * the health details, the endpoint and the sample's page. The configuration properties' binding hints are
 * Spring Boot's ({@code @ConfigurationProperties}): it follows the groups in files of their own, such as
 * {@link RetryProperties}, because their fields are {@code @NestedConfigurationProperty}. The endpoint's own
 * hints are in its package.
 */
final class ConnpoolRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(), ServerView.class);
    }
}
