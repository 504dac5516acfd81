package dev.connpool.spring;

import dev.connpool.ConnectionFactory;
import dev.connpool.InvalidSettingException;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnectionFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;

/**
 * Turns the configuration of one pool (its own settings over {@code connpool.defaults}) into a running
 * {@link MultiPool}: the one place where properties become builder calls. A bad value throws
 * {@link ConnpoolConfigurationException} naming the property where it was set.
 */
final class PoolCreator {

    static final String PREFIX = "connpool";

    private final ConnpoolProperties properties;
    private final BeanFactory beanFactory;
    private final ObjectProvider<SslBundles> sslBundles;
    private final ObjectProvider<MultiPoolBuilderCustomizer> customizers;
    private final ObjectProvider<PoolSourceFactory> sourceFactories;
    private final PoolServerSources sources;

    PoolCreator(ConnpoolProperties properties, BeanFactory beanFactory, ObjectProvider<SslBundles> sslBundles,
                ObjectProvider<MultiPoolBuilderCustomizer> customizers,
                ObjectProvider<PoolSourceFactory> sourceFactories, PoolServerSources sources) {
        this.properties = properties;
        this.beanFactory = beanFactory;
        this.sslBundles = sslBundles;
        this.customizers = customizers;
        this.sourceFactories = sourceFactories;
        this.sources = sources;
    }

    MultiPool<?> create(String name) {
        PoolProperties pool = properties.getPools().get(name);
        if (pool == null) {
            throw new ConnpoolConfigurationException(path(name, null), null, "no such pool is configured",
                    "Configure it under connpool.pools." + name, null);
        }
        MergedPoolProperties settings = new MergedPoolProperties(name, pool, properties.getDefaults());
        SourceSettings discovery = DiscoveryReader.read(name, pool.getDiscovery(), tls(settings));
        PoolSourceFactory sourceFactory = discovery == null ? null : sourceFactory(discovery, pool);
        if (sourceFactory != null) {
            sourceFactory.check(discovery); // the source library's own rules, before anything is created
        }
        MultiPool.Builder<?> builder = MultiPool.builder(factory(settings)).name(name);
        apply(settings, builder, discovery != null);
        customizers.orderedStream().forEach(c -> c.customize(name, builder));
        MultiPool<?> created;
        try {
            created = builder.build();
        } catch (InvalidSettingException e) {
            throw invalid(settings, e);
        }
        if (sourceFactory != null) {
            try {
                sources.start(created, sourceFactory.create(created, discovery));
            } catch (RuntimeException | Error e) {
                created.close(); // not a bean yet: nobody else would close it
                throw e;
            }
        }
        return created;
    }

    /**
     * Whether the pool speaks TLS, as discovery needs to know it (which port of an instance to take):
     * {@code null} when a factory bean of the application's makes the connections.
     */
    private static Boolean tls(MergedPoolProperties s) {
        if (s.get("factory", PoolDefaultsProperties::getFactory).value() != null) {
            return null;
        }
        return s.get("socket.ssl-bundle", p -> p.getSocket().getSslBundle()).value() != null;
    }

    /** The factory of the discovery's kind; without it, what to add to the class path, naming a key that was set. */
    private PoolSourceFactory sourceFactory(SourceSettings discovery, PoolProperties pool) {
        PoolSourceFactory found = sourceFactories.orderedStream().filter(f -> f.kind().equals(discovery.kind()))
                .findFirst().orElse(null);
        if (found != null) {
            return found;
        }
        ClassLoader loader = beanFactory instanceof ConfigurableBeanFactory cbf
                ? cbf.getBeanClassLoader() : getClass().getClassLoader();
        DiscoveryReader.SetKey key = DiscoveryReader.setKey(discovery.pool(), discovery.kind(), pool.getDiscovery());
        throw SourceLibraries.missing(discovery, key, loader);
    }

    /**
     * Core's word on a bad setting, at the property where the value was set: read from the exception's
     * fields, never from its message.
     */
    private static ConnpoolConfigurationException invalid(MergedPoolProperties settings, InvalidSettingException e) {
        String property = settings.property(e.setting());
        return new ConnpoolConfigurationException(property, e.value(), e.reason(),
                "Update " + property + " in your configuration (it " + e.reason() + ").", e);
    }

    private void apply(MergedPoolProperties s, MultiPool.Builder<?> b, boolean discovered) {
        b.servers(servers(s, discovered));
        set(s, "max-active", PoolDefaultsProperties::getMaxActive, b::maxActive);
        set(s, "max-idle", PoolDefaultsProperties::getMaxIdle, b::maxIdle);
        set(s, "min-idle", PoolDefaultsProperties::getMinIdle, b::minIdle);
        set(s, "max-total", PoolDefaultsProperties::getMaxTotal, b::maxTotal);
        set(s, "max-wait", PoolDefaultsProperties::getMaxWait, b::maxWait);
        set(s, "idle-timeout", PoolDefaultsProperties::getIdleTimeout, b::idleTimeout);
        set(s, "max-lifetime", PoolDefaultsProperties::getMaxLifetime, b::maxLifetime);
        set(s, "validate-on-borrow", PoolDefaultsProperties::getValidateOnBorrow, b::validateOnBorrow);
        set(s, "validate-while-idle", PoolDefaultsProperties::getValidateWhileIdle, b::validateWhileIdle);
        set(s, "shutdown-timeout", PoolDefaultsProperties::getShutdownTimeout, b::shutdownTimeout);
        set(s, "leak-detection-threshold", PoolDefaultsProperties::getLeakDetectionThreshold,
                b::leakDetectionThreshold);
        set(s, "retry.attempts", p -> p.getRetry().getAttempts(), b::retryAttempts);
        set(s, "retry.backoff.min", p -> p.getRetry().getBackoff().getMin(), b::backoffMin);
        set(s, "retry.backoff.max", p -> p.getRetry().getBackoff().getMax(), b::backoffMax);
        set(s, "retry.backoff.factor", p -> p.getRetry().getBackoff().getFactor(), b::backoffFactor);
        set(s, "retry.backoff.jitter", p -> p.getRetry().getBackoff().getJitter(), b::backoffJitter);
        set(s, "retry.budget.ratio", p -> p.getRetry().getBudget().getRatio(), b::retryBudgetRatio);
        set(s, "retry.budget.min-per-second", p -> p.getRetry().getBudget().getMinPerSecond(),
                b::retryBudgetMinPerSecond);
        set(s, "retry.budget.window", p -> p.getRetry().getBudget().getWindow(), b::retryBudgetWindow);
        set(s, "ejection.consecutive-failures", p -> p.getEjection().getConsecutiveFailures(),
                b::ejectionConsecutiveFailures);
        set(s, "ejection.base-time", p -> p.getEjection().getBaseTime(), b::ejectionBaseTime);
        set(s, "ejection.max-time", p -> p.getEjection().getMaxTime(), b::ejectionMaxTime);
        set(s, "ejection.max-percent", p -> p.getEjection().getMaxPercent(), b::ejectionMaxPercent);
        set(s, "health-check.interval", p -> p.getHealthCheck().getInterval(), b::healthCheckInterval);
        set(s, "affinity.algorithm", p -> p.getAffinity().getAlgorithm(), b::affinityAlgorithm);
        set(s, "affinity.return-delay", p -> p.getAffinity().getReturnDelay(), b::affinityReturnDelay);
        set(s, "affinity.load-bound", p -> p.getAffinity().getLoadBound(), b::affinityLoadBound);
        set(s, "least-latency.decay", p -> p.getLeastLatency().getDecay(), b::leastLatencyDecay);
        set(s, "slow-start.window", p -> p.getSlowStart().getWindow(), b::slowStartWindow);
        set(s, "balancer", PoolDefaultsProperties::getBalancer, type -> b.balancer(type.create()));
        HedgeExecutors.apply(s, b, beanFactory);
    }

    /** Hands a setting that is set (on the pool or in the defaults) to {@code setter}; leaves the rest alone. */
    private static <T> void set(MergedPoolProperties s, String key, Function<PoolDefaultsProperties, T> getter,
                                Consumer<T> setter) {
        T value = s.get(key, getter).value();
        if (value != null) {
            setter.accept(value);
        }
    }

    /**
     * The static servers. A pool with discovery may have none; the ones it has serve until its source first
     * answers (when the registry is down at start-up), then the source's list replaces them.
     */
    private static List<ServerAddress> servers(MergedPoolProperties s, boolean discovered) {
        MergedPoolProperties.Value<List<String>> configured = s.get("servers", PoolDefaultsProperties::getServers);
        List<String> texts = configured.value();
        if ((texts == null || texts.isEmpty()) && discovered) {
            return List.of();
        }
        if (texts == null || texts.isEmpty()) {
            String property = path(s.pool(), "servers");
            throw new ConnpoolConfigurationException(property, null, "pool '" + s.pool() + "' has no servers",
                    "List its servers as host:port under " + property + ", or let it discover them with "
                            + path(s.pool(), "discovery.zookeeper.*") + ", " + path(s.pool(), "discovery.dns.*")
                            + " or " + path(s.pool(), "discovery.spring-cloud.*") + ".", null);
        }
        List<ServerAddress> servers = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String property = configured.property() + "[" + i + "]";
            try {
                servers.add(ServerAddress.parse(texts.get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConnpoolConfigurationException(property, texts.get(i), e.getMessage(),
                        "Write " + property + " as host:port (or [ipv6]:port), with a port from 1 to 65535.", e);
            }
        }
        return servers;
    }

    private ConnectionFactory<?> factory(MergedPoolProperties s) {
        MergedPoolProperties.Value<String> named = s.get("factory", PoolDefaultsProperties::getFactory);
        String beanName = named.value();
        if (beanName != null) {
            String property = named.property();
            Object bean;
            try {
                bean = beanFactory.getBean(beanName);
            } catch (NoSuchBeanDefinitionException e) {
                throw new ConnpoolConfigurationException(property, beanName, "there is no bean named '" + beanName + "'",
                        "Define a ConnectionFactory bean named '" + beanName + "', or remove " + property
                                + " to use the built-in TCP socket factory.", e);
            }
            if (!(bean instanceof ConnectionFactory<?> factory)) {
                throw new ConnpoolConfigurationException(property, beanName, "bean '" + beanName + "' is a "
                        + bean.getClass().getName() + ", not a " + ConnectionFactory.class.getName(),
                        "Point " + property + " at a bean that implements ConnectionFactory.", null);
            }
            return factory;
        }
        SocketConnectionFactory.Builder sockets = SocketConnectionFactory.builder();
        set(s, "socket.connect-timeout", p -> p.getSocket().getConnectTimeout(),
                d -> socketSetting(s, "socket.connect-timeout", d, sockets::connectTimeout));
        set(s, "socket.read-timeout", p -> p.getSocket().getReadTimeout(),
                d -> socketSetting(s, "socket.read-timeout", d, sockets::readTimeout));
        set(s, "socket.tcp-no-delay", p -> p.getSocket().getTcpNoDelay(), sockets::tcpNoDelay);
        set(s, "socket.keep-alive", p -> p.getSocket().getKeepAlive(), sockets::keepAlive);
        set(s, "socket.ssl-bundle", p -> p.getSocket().getSslBundle(), bundle -> {
            String property = s.property("socket.ssl-bundle");
            SslBundles bundles = sslBundles.getIfAvailable();
            if (bundles == null) {
                throw new ConnpoolConfigurationException(property, bundle, "SSL bundles are not available",
                        "Define an SSL bundle named '" + bundle + "' under spring.ssl.bundle (Spring Boot's SSL "
                                + "auto-configuration provides them), or remove " + property + ".", null);
            }
            try {
                sockets.sslContext(bundles.getBundle(bundle).createSslContext());
            } catch (NoSuchSslBundleException e) {
                throw new ConnpoolConfigurationException(property, bundle, "there is no SSL bundle named '" + bundle + "'",
                        "Define it under spring.ssl.bundle.jks." + bundle + " or spring.ssl.bundle.pem." + bundle
                                + ", or remove " + property + ".", e);
            }
        });
        probe(s, sockets);
        return sockets.build();
    }

    /** {@code socket.probe.request} and {@code .reply}: both or neither; the factory's builder checks them. */
    private static void probe(MergedPoolProperties s, SocketConnectionFactory.Builder sockets) {
        MergedPoolProperties.Value<String> request = s.get("socket.probe.request", p -> p.getSocket().getProbe().getRequest());
        MergedPoolProperties.Value<String> reply = s.get("socket.probe.reply", p -> p.getSocket().getProbe().getReply());
        if (request.value() == null && reply.value() == null) {
            return;
        }
        if (request.value() == null || reply.value() == null) {
            MergedPoolProperties.Value<String> missing = request.value() == null ? request : reply;
            MergedPoolProperties.Value<String> set = request.value() == null ? reply : request;
            throw new ConnpoolConfigurationException(missing.property(), null, set.property() + " is set but "
                    + missing.property() + " is not", "Set both " + request.property() + " and " + reply.property()
                    + " (what a probe sends and what the reply starts with), or neither.", null);
        }
        try {
            sockets.probe(request.value(), reply.value());
        } catch (IllegalArgumentException e) {
            MergedPoolProperties.Value<String> culprit = e.getMessage().contains("socket.probe.reply") ? reply : request;
            throw new ConnpoolConfigurationException(culprit.property(), culprit.value(), e.getMessage(),
                    "Update " + culprit.property() + " in your configuration.", e);
        }
    }

    /** Hands a value to the socket factory's builder, which checks it; its refusal is reported at the property. */
    private static void socketSetting(MergedPoolProperties s, String key, Duration value, Consumer<Duration> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            String property = s.property(key);
            throw new ConnpoolConfigurationException(property, value, e.getMessage(),
                    "Update " + property + " in your configuration.", e);
        }
    }

    static String path(String pool, String key) {
        return PREFIX + ".pools." + pool + (key == null ? "" : "." + key);
    }
}
