package dev.connpool.sample;

import dev.connpool.SocketConnection;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The protocol the app speaks to its backends: the line protocol unless a profile provides another. A
 * profile's configuration is imported here (and is not a component that scanning would find), so that its
 * beans are registered before {@code @ConditionalOnMissingBean} below is evaluated.
 */
@Configuration(proxyBeanMethods = false)
@Import(RedisConfiguration.class)
class BackendConfiguration {

    @Bean
    @ConditionalOnMissingBean(BackendProtocol.class)
    BackendProtocol<SocketConnection> lineProtocol() {
        return new LineProtocol();
    }
}
