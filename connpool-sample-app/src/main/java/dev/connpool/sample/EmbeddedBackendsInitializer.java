package dev.connpool.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts three {@link LineServer}s and points the pool {@code backend} at them, unless
 * {@code connpool.pools.backend.servers} is configured (then nothing is started). Registered in
 * {@code META-INF/spring.factories}, so it runs for the app and for its tests alike. The servers are
 * available as the {@link EmbeddedBackends} bean and stop when the context closes.
 */
public final class EmbeddedBackendsInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    static final String SERVERS = "connpool.pools.backend.servers";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBackendsInitializer.class);

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        if (environment.containsProperty(SERVERS) || environment.containsProperty(SERVERS + "[0]")
                || !environment.getProperty("sample.embedded-backends", Boolean.class, true)) {
            return;
        }
        EmbeddedBackends backends;
        try {
            backends = EmbeddedBackends.start(3);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded backends", e);
        }
        environment.getPropertySources().addFirst(new MapPropertySource("embeddedBackends",
                Map.of(SERVERS, backends.addresses())));
        context.getBeanFactory().registerSingleton("embeddedBackends", backends);
        context.addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent) {
                backends.close();
            }
        });
        log.info("started 3 embedded backends for pool 'backend': {}", backends.addresses());
    }
}
