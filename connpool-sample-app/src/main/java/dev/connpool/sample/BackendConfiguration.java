package dev.connpool.sample;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The protocol the app speaks to its backends: the line protocol unless a profile provides another. */
@Configuration(proxyBeanMethods = false)
class BackendConfiguration {

    @Bean
    @ConditionalOnMissingBean
    BackendProtocol lineProtocol() {
        return new LineProtocol();
    }
}
