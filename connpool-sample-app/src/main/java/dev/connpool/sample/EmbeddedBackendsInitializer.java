package dev.connpool.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
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
 *
 * <p>When the pool finds its servers in ZooKeeper ({@code connpool.pools.backend.discovery.zookeeper.path},
 * as in the {@code zookeeper} profile), the backends are registered there instead
 * ({@link ZooKeeperBackends}, also a bean), on an embedded ZooKeeper server unless
 * {@code sample.zookeeper.embedded=false}. All of it happens before the pool is created, so the pool starts
 * with the three backends, and ends after the pool is closed.
 */
public final class EmbeddedBackendsInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    static final String SERVERS = "connpool.pools.backend.servers";
    static final String DISCOVERY = "connpool.pools.backend.discovery.zookeeper.";
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
        boolean discovered = environment.containsProperty(DISCOVERY + "path");
        if (discovered) {
            try {
                registerInZooKeeper(context, backends);
            } catch (Exception e) {
                backends.close();
                throw new IllegalStateException("could not register the embedded backends in ZooKeeper: "
                        + e.getMessage(), e);
            }
        } else {
            environment.getPropertySources().addFirst(new MapPropertySource("embeddedBackends",
                    Map.of(SERVERS, backends.addresses())));
        }
        context.getBeanFactory().registerSingleton("embeddedBackends", backends);
        context.addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent) {
                backends.close();
            }
        });
        log.info("started 3 embedded backends for pool 'backend': {}{}", backends.addresses(),
                discovered ? ", registered in ZooKeeper at " + environment.getProperty(DISCOVERY + "path") : "");
    }

    private static void registerInZooKeeper(ConfigurableApplicationContext context, EmbeddedBackends backends)
            throws Exception {
        ConfigurableEnvironment environment = context.getEnvironment();
        EmbeddedZooKeeper server = null;
        if (environment.getProperty("sample.zookeeper.embedded", Boolean.class, true)) {
            server = EmbeddedZooKeeper.start(environment.getProperty("sample.zookeeper.port", Integer.class, 0));
            // the real port, for connect-string: 127.0.0.1:${sample.zookeeper.port}
            environment.getPropertySources().addFirst(new MapPropertySource("embeddedZooKeeper",
                    Map.of("sample.zookeeper.port", server.port())));
        }
        String connectString = environment.getProperty(DISCOVERY + "connect-string");
        if (connectString == null) {
            if (server != null) {
                server.close();
            }
            throw new IllegalStateException("set " + DISCOVERY + "connect-string, where the backends register");
        }
        ZooKeeperBackends zooKeeper = ZooKeeperBackends.start(server, connectString,
                environment.getProperty(DISCOVERY + "path"), backends);
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        beanFactory.registerSingleton("zooKeeperBackends", zooKeeper);
        if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
            // The first disposable of the context, so the last one destroyed: after the pool and its discovery.
            registry.registerDisposableBean("zooKeeperBackends", zooKeeper::close);
        } else {
            context.addApplicationListener(event -> {
                if (event instanceof ContextClosedEvent) {
                    zooKeeper.close();
                }
            });
        }
    }
}
