package dev.connpool.spring.endpoint;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What a native image must keep for the {@code connpools} endpoint's JSON: the answers of the web
 * extension's server action, which it returns as an {@code OperationResponseBody} (so Spring Boot's hints
 * for the operations' declared return types do not reach them), and the read operations' descriptors.
 */
final class ConnpoolsEndpointRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        new BindingReflectionHintsRegistrar().registerReflectionHints(hints.reflection(),
                ConnpoolsEndpoint.PoolsDescriptor.class, ConnpoolsEndpoint.PoolDescriptor.class,
                ConnpoolsEndpoint.ServerActionDescriptor.class, ConnpoolsEndpointWebExtension.ErrorDescriptor.class);
    }
}
