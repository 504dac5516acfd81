package dev.connpool.spring.endpoint;

import dev.connpool.spring.ConnpoolAutoConfiguration;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.PoolDiscoveryDetails;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ImportRuntimeHints;

/**
 * The {@code connpools} actuator endpoint ({@link ConnpoolsEndpoint}), when spring-boot-actuator is present,
 * there are pools, and the endpoint is available: access not turned off and exposed, for example with
 * {@code management.endpoints.web.exposure.include=connpools}. Its web extension
 * ({@link ConnpoolsEndpointWebExtension}) is added when it is exposed over HTTP. Read-only unless
 * {@code management.endpoint.connpools.access=unrestricted} (see {@link ConnpoolsEndpoint}).
 */
@AutoConfiguration(after = ConnpoolAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(MultiPoolRegistry.class)
@ConditionalOnAvailableEndpoint(ConnpoolsEndpoint.class)
@ImportRuntimeHints(ConnpoolsEndpointRuntimeHints.class)
public final class ConnpoolEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ConnpoolsEndpoint connpoolsEndpoint(MultiPoolRegistry registry, ObjectProvider<PoolDiscoveryDetails> discovery) {
        return new ConnpoolsEndpoint(registry, discovery.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ConnpoolsEndpoint.class)
    @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
    ConnpoolsEndpointWebExtension connpoolsEndpointWebExtension(ConnpoolsEndpoint endpoint) {
        return new ConnpoolsEndpointWebExtension(endpoint);
    }
}
