package dev.connpool.spring;

import dev.connpool.Balancer;
import dev.connpool.ConnectionFactory;
import dev.connpool.InvalidSettingException;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnectionFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.util.ClassUtils;

/**
 * Turns the configuration of one pool (its own settings over {@code connpool.defaults}) into a running
 * {@link MultiPool}: the one place where properties become builder calls. A bad value throws
 * {@link ConnpoolConfigurationException} naming the property where it was set.
 */
final class PoolCreator {

    static final String PREFIX = "connpool";
    static final List<String> DISCOVERY_FORMATS = List.of("children", "curator");
    /** The discovery.zookeeper keys, in the order a missing-library error looks for the one to name. */
    private static final List<String> ZOOKEEPER_KEYS = List.of("path", "connect-string", "format", "service",
            "session-timeout", "connection-timeout");
    private static final String CURATOR_CLASS = "org.apache.curator.framework.CuratorFramework";
    private static final String SOURCE_CLASS = "dev.connpool.zookeeper.ZooKeeperServerSource";

    private final ConnpoolProperties properties;
    private final BeanFactory beanFactory;
    private final ObjectProvider<SslBundles> sslBundles;
    private final ObjectProvider<MultiPoolBuilderCustomizer> customizers;
    private final ObjectProvider<PoolDiscoveryStarter> discovery;

    PoolCreator(ConnpoolProperties properties, BeanFactory beanFactory, ObjectProvider<SslBundles> sslBundles,
                ObjectProvider<MultiPoolBuilderCustomizer> customizers, ObjectProvider<PoolDiscoveryStarter> discovery) {
        this.properties = properties;
        this.beanFactory = beanFactory;
        this.sslBundles = sslBundles;
        this.customizers = customizers;
        this.discovery = discovery;
    }

    MultiPool<?> create(String name) {
        PoolProperties pool = properties.getPools().get(name);
        if (pool == null) {
            throw new ConnpoolConfigurationException(path(name, null), null, "no such pool is configured",
                    "Configure it under connpool.pools." + name, null);
        }
        refuseDiscoveryDefaults(name);
        ZooKeeperDiscoverySettings zookeeper = zookeeper(name, pool.getDiscovery().getZookeeper());
        PoolDiscoveryStarter starter = zookeeper == null ? null : discoveryStarter(zookeeper, pool);
        Settings settings = new Settings(name, pool, properties.getDefaults());
        MultiPool.Builder<?> builder = MultiPool.builder(factory(settings)).name(name);
        apply(settings, builder, zookeeper != null);
        customizers.orderedStream().forEach(c -> c.customize(name, builder));
        MultiPool<?> created;
        try {
            created = builder.build();
        } catch (InvalidSettingException e) {
            Settings.Source source = settings.sourceOf(e.setting());
            throw new ConnpoolConfigurationException(source.path(e.setting()), e.value(), e.getMessage(),
                    "Update " + source.path(e.setting()) + " in your configuration (" + rule(e) + ").", e);
        }
        if (starter != null) {
            try {
                starter.start(created, zookeeper);
            } catch (RuntimeException | Error e) {
                created.close(); // not a bean yet: nobody else would close it
                throw e;
            }
        }
        return created;
    }

    /** Discovery is per pool: a watched path is one pool's, and so is the Curator client of a connect-string. */
    private void refuseDiscoveryDefaults(String name) {
        PoolProperties.Zookeeper defaults = properties.getDefaults().getDiscovery().getZookeeper();
        for (String key : ZOOKEEPER_KEYS) {
            Object value = zookeeperValue(defaults, key);
            if (value != null) {
                String property = PREFIX + ".defaults.discovery.zookeeper." + key;
                throw new ConnpoolConfigurationException(property, value,
                        "ZooKeeper discovery is configured per pool, not in connpool.defaults",
                        "Move it to " + path(name, "discovery.zookeeper." + key) + " (and to each other pool that "
                                + "discovers its servers), and remove " + property + ".", null);
            }
        }
    }

    private static Object zookeeperValue(PoolProperties.Zookeeper z, String key) {
        return switch (key) {
            case "path" -> z.getPath();
            case "connect-string" -> z.getConnectString();
            case "format" -> z.getFormat();
            case "service" -> z.getService();
            case "session-timeout" -> z.getSessionTimeout();
            case "connection-timeout" -> z.getConnectionTimeout();
            default -> throw new IllegalArgumentException(key);
        };
    }

    /** The checked discovery.zookeeper settings of the pool, or null when it sets none of them. */
    static ZooKeeperDiscoverySettings zookeeper(String name, PoolProperties.Zookeeper z) {
        if (ZOOKEEPER_KEYS.stream().allMatch(key -> zookeeperValue(z, key) == null)) {
            return null;
        }
        String prefix = path(name, "discovery.zookeeper.");
        String format = z.getFormat() == null ? "children" : z.getFormat().strip().toLowerCase(Locale.ROOT);
        if (!DISCOVERY_FORMATS.contains(format)) {
            throw new ConnpoolConfigurationException(prefix + "format", z.getFormat(), "unknown discovery format",
                    "Set " + prefix + "format to one of " + DISCOVERY_FORMATS + ": children for nodes named host:port "
                            + "under the path, curator for Curator x-discovery (Spring Cloud Zookeeper) instances.", null);
        }
        boolean curator = format.equals("curator");
        String path = z.getPath();
        if (path == null || path.isBlank()) {
            throw new ConnpoolConfigurationException(prefix + "path", path, "pool '" + name
                    + "' has ZooKeeper discovery but no path to watch",
                    "Set " + prefix + "path to " + (curator
                            ? "the Curator x-discovery base path, such as /services (Spring Cloud Zookeeper's default)."
                            : "the ZooKeeper node whose children are named host:port, such as /services/" + name + "."),
                    null);
        }
        String pathProblem = zookeeperPathProblem(path);
        if (pathProblem != null) {
            throw new ConnpoolConfigurationException(prefix + "path", path, pathProblem,
                    "Write " + prefix + "path as an absolute ZooKeeper path, such as /services/" + name
                            + ": it starts with '/', has no empty, '.' or '..' node names and does not end with '/'.",
                    null);
        }
        String service = z.getService();
        if (curator && (service == null || service.isBlank())) {
            throw new ConnpoolConfigurationException(prefix + "service", service,
                    "the curator format needs the name of the service to read under " + path,
                    "Set " + prefix + "service to the service's name (Spring Cloud Zookeeper registers an application "
                            + "under its spring.application.name).", null);
        }
        if (!curator && service != null) {
            throw new ConnpoolConfigurationException(prefix + "service", service,
                    "service is read by the curator format only; the children format (the default) reads the "
                            + "servers straight under path",
                    "Remove " + prefix + "service, or set " + prefix + "format to curator.", null);
        }
        if (curator && (service.contains("/") || zookeeperPathProblem("/" + service) != null)) {
            throw new ConnpoolConfigurationException(prefix + "service", service,
                    "a service name is one ZooKeeper node name: no '/', not '.' or '..'",
                    "Set " + prefix + "service to the service's name alone; its parent goes in " + prefix + "path.",
                    null);
        }
        String connectString = z.getConnectString();
        if (connectString != null && connectString.isBlank()) {
            throw new ConnpoolConfigurationException(prefix + "connect-string", connectString, "is empty",
                    "Set " + prefix + "connect-string to your ZooKeeper ensemble, such as zk1:2181,zk2:2181, or "
                            + "remove it to use the application's CuratorFramework bean.", null);
        }
        if (connectString == null && z.getSessionTimeout() != null) {
            throw new ConnpoolConfigurationException(prefix + "session-timeout", z.getSessionTimeout(),
                    "session-timeout configures the Curator client the starter runs for connect-string; without "
                            + "connect-string the pool uses the application's CuratorFramework bean, with its own",
                    "Set " + prefix + "connect-string, or remove " + prefix + "session-timeout and configure the "
                            + "session timeout on your CuratorFramework bean.", null);
        }
        Duration session = timeout(prefix + "session-timeout", z.getSessionTimeout(),
                ZooKeeperDiscoverySettings.DEFAULT_SESSION_TIMEOUT);
        Duration connection = timeout(prefix + "connection-timeout", z.getConnectionTimeout(),
                ZooKeeperDiscoverySettings.DEFAULT_CONNECTION_TIMEOUT);
        return new ZooKeeperDiscoverySettings(name, connectString == null ? null : connectString.strip(), path,
                curator, curator ? service : null, session, connection);
    }

    private static Duration timeout(String property, Duration value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
            throw new ConnpoolConfigurationException(property, value, value.isNegative() || value.isZero()
                    ? "must be positive" : "is longer than ZooKeeper's limit of " + Integer.MAX_VALUE + " ms",
                    "Set " + property + " to a positive duration such as 30s.", null);
        }
        return value;
    }

    /** Why a ZooKeeper path is not valid (the rules of ZooKeeper's PathUtils), or null when it is. */
    static String zookeeperPathProblem(String path) {
        if (!path.startsWith("/")) {
            return "a ZooKeeper path must start with '/'";
        }
        if (path.length() > 1 && path.endsWith("/")) {
            return "a ZooKeeper path must not end with '/'";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= '\u001f' || (c >= '\u007f' && c <= '\u009f')
                    || (c >= '\ud800' && c <= '\uf8ff') || (c >= '\ufff0' && c <= '\uffff')) {
                return "a ZooKeeper path must not hold the character \\u" + String.format("%04x", (int) c);
            }
        }
        if (path.length() > 1) {
            for (String node : path.substring(1).split("/", -1)) {
                if (node.isEmpty()) {
                    return "a ZooKeeper path must not have an empty node name ('//')";
                }
                if (node.equals(".") || node.equals("..")) {
                    return "a ZooKeeper path must not have a relative node name ('" + node + "')";
                }
            }
        }
        return null;
    }

    /** The bean that starts discovery; without it, what to add to the class path, naming a key that was set. */
    private PoolDiscoveryStarter discoveryStarter(ZooKeeperDiscoverySettings zookeeper, PoolProperties pool) {
        PoolDiscoveryStarter starter = discovery.getIfAvailable();
        if (starter != null) {
            return starter;
        }
        String key = ZOOKEEPER_KEYS.stream().filter(k -> zookeeperValue(pool.getDiscovery().getZookeeper(), k) != null)
                .findFirst().orElseThrow();
        List<String> missing = new ArrayList<>();
        ClassLoader loader = beanFactory instanceof ConfigurableBeanFactory cbf
                ? cbf.getBeanClassLoader() : getClass().getClassLoader();
        for (String type : List.of(SOURCE_CLASS, CURATOR_CLASS)) {
            if (!ClassUtils.isPresent(type, loader)) {
                missing.add(type);
            }
        }
        String property = zookeeper.property(key);
        throw new ConnpoolConfigurationException(property, zookeeperValue(pool.getDiscovery().getZookeeper(), key),
                "pool '" + zookeeper.pool() + "' has ZooKeeper discovery, but "
                        + (missing.isEmpty() ? "ZooKeeper discovery is not set up (connpool.enabled?)"
                        : String.join(" and ", missing) + (missing.size() > 1 ? " are" : " is")
                        + " not on the class path"),
                "Add the dependency dev.connpool:connpool-zookeeper (it brings Apache Curator) to your application, "
                        + "or remove " + PoolCreator.path(zookeeper.pool(), "discovery") + ".", null);
    }

    private static String rule(InvalidSettingException e) {
        String message = e.getMessage();
        int colon = message.lastIndexOf(": ");
        return colon >= 0 ? "it " + message.substring(colon + 2) : message;
    }

    private void apply(Settings s, MultiPool.Builder<?> b, boolean discovered) {
        b.servers(servers(s, discovered));
        s.set("max-active", PoolProperties::getMaxActive, b::maxActive);
        s.set("max-idle", PoolProperties::getMaxIdle, b::maxIdle);
        s.set("min-idle", PoolProperties::getMinIdle, b::minIdle);
        s.set("max-total", PoolProperties::getMaxTotal, b::maxTotal);
        s.set("max-wait", PoolProperties::getMaxWait, b::maxWait);
        s.set("idle-timeout", PoolProperties::getIdleTimeout, b::idleTimeout);
        s.set("max-lifetime", PoolProperties::getMaxLifetime, b::maxLifetime);
        s.set("validate-on-borrow", PoolProperties::getValidateOnBorrow, b::validateOnBorrow);
        s.set("validate-while-idle", PoolProperties::getValidateWhileIdle, b::validateWhileIdle);
        s.set("shutdown-timeout", PoolProperties::getShutdownTimeout, b::shutdownTimeout);
        s.set("leak-detection-threshold", PoolProperties::getLeakDetectionThreshold, b::leakDetectionThreshold);
        s.set("retry.attempts", p -> p.getRetry().getAttempts(), b::retryAttempts);
        s.set("retry.backoff.min", p -> p.getRetry().getBackoff().getMin(), b::backoffMin);
        s.set("retry.backoff.max", p -> p.getRetry().getBackoff().getMax(), b::backoffMax);
        s.set("retry.backoff.factor", p -> p.getRetry().getBackoff().getFactor(), b::backoffFactor);
        s.set("retry.backoff.jitter", p -> p.getRetry().getBackoff().getJitter(), b::backoffJitter);
        s.set("ejection.consecutive-failures", p -> p.getEjection().getConsecutiveFailures(),
                b::ejectionConsecutiveFailures);
        s.set("ejection.base-time", p -> p.getEjection().getBaseTime(), b::ejectionBaseTime);
        s.set("ejection.max-time", p -> p.getEjection().getMaxTime(), b::ejectionMaxTime);
        s.set("ejection.max-percent", p -> p.getEjection().getMaxPercent(), b::ejectionMaxPercent);
        s.set("balancer", PoolProperties::getBalancer, text -> b.balancer(balancer(s, text)));
    }

    /**
     * The static servers. A pool with discovery may have none; the ones it has serve until ZooKeeper first
     * answers (when it is down at start-up), then ZooKeeper's list replaces them.
     */
    private static List<ServerAddress> servers(Settings s, boolean discovered) {
        Settings.Source source = s.sourceOf("servers");
        List<String> texts = source.value(PoolProperties::getServers);
        if ((texts == null || texts.isEmpty()) && discovered) {
            return List.of();
        }
        if (texts == null || texts.isEmpty()) {
            throw new ConnpoolConfigurationException(path(s.name, "servers"), null,
                    "pool '" + s.name + "' has no servers",
                    "List its servers as host:port under " + path(s.name, "servers") + ", or let it find them in "
                            + "ZooKeeper with " + path(s.name, "discovery.zookeeper.path") + ".", null);
        }
        List<ServerAddress> servers = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String property = source.path("servers") + "[" + i + "]";
            try {
                servers.add(ServerAddress.parse(texts.get(i)));
            } catch (IllegalArgumentException e) {
                throw new ConnpoolConfigurationException(property, texts.get(i), e.getMessage(),
                        "Write " + property + " as host:port (or [ipv6]:port), with a port from 1 to 65535.", e);
            }
        }
        return servers;
    }

    private static Balancer balancer(Settings s, String text) {
        try {
            return Balancer.named(text);
        } catch (IllegalArgumentException e) {
            String property = s.sourceOf("balancer").path("balancer");
            throw new ConnpoolConfigurationException(property, text, "unknown balancer",
                    "Set " + property + " to one of " + Balancer.NAMES + ".", e);
        }
    }

    private ConnectionFactory<?> factory(Settings s) {
        Settings.Source source = s.sourceOf("factory");
        String beanName = source.value(PoolProperties::getFactory);
        if (beanName != null) {
            String property = source.path("factory");
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
        s.set("socket.connect-timeout", p -> p.getSocket().getConnectTimeout(),
                d -> positive(s, "socket.connect-timeout", d, sockets::connectTimeout));
        s.set("socket.read-timeout", p -> p.getSocket().getReadTimeout(),
                d -> positive(s, "socket.read-timeout", d, sockets::readTimeout));
        s.set("socket.tcp-no-delay", p -> p.getSocket().getTcpNoDelay(), sockets::tcpNoDelay);
        s.set("socket.keep-alive", p -> p.getSocket().getKeepAlive(), sockets::keepAlive);
        s.set("socket.ssl-bundle", p -> p.getSocket().getSslBundle(), bundle -> {
            String property = s.sourceOf("socket.ssl-bundle").path("socket.ssl-bundle");
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
        return sockets.build();
    }

    private static void positive(Settings s, String key, Duration value, Consumer<Duration> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            String property = s.sourceOf(key).path(key);
            throw new ConnpoolConfigurationException(property, value, e.getMessage(),
                    "Update " + property + " in your configuration.", e);
        }
    }

    static String path(String pool, String key) {
        return PREFIX + ".pools." + pool + (key == null ? "" : "." + key);
    }

    /** One pool's settings over the defaults, remembering where each value came from. */
    private static final class Settings {

        /** Where a setting's value is read: the pool itself, or the defaults. */
        record Source(String prefix, PoolProperties properties) {
            String path(String key) {
                return prefix + "." + key;
            }

            <T> T value(Function<PoolProperties, T> getter) {
                return properties == null ? null : getter.apply(properties);
            }
        }

        private final String name;
        private final Source pool;
        private final Source defaults;
        private final Map<String, Source> sources = new HashMap<>();

        Settings(String name, PoolProperties pool, PoolProperties defaults) {
            this.name = name;
            this.pool = new Source(PREFIX + ".pools." + name, pool);
            this.defaults = new Source(PREFIX + ".defaults", defaults);
        }

        /** Applies the pool's value, else the default's, when either is set; remembers which. */
        <T> void set(String key, Function<PoolProperties, T> getter, Consumer<T> setter) {
            T value = pool.value(getter);
            Source source = pool;
            if (value == null) {
                value = defaults.value(getter);
                source = defaults;
            }
            if (value != null) {
                sources.put(key, source);
                setter.accept(value);
            }
        }

        /** Where the value of {@code key} came from; the pool's own path when it was set nowhere. */
        Source sourceOf(String key) {
            Source known = sources.get(key);
            if (known != null) {
                return known;
            }
            if (key.equals("servers") || key.equals("factory")) {
                Function<PoolProperties, Object> getter = key.equals("servers")
                        ? PoolProperties::getServers : PoolProperties::getFactory;
                return pool.value(getter) != null || defaults.value(getter) == null ? pool : defaults;
            }
            return pool;
        }
    }
}
