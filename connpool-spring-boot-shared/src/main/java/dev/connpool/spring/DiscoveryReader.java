package dev.connpool.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads a pool's {@code discovery.*} into the settings of its one kind of source, checking what the starter
 * itself knows (what is required with what, ranges); each source library checks the rest
 * ({@link PoolSourceFactory#check}). A pool with keys of two kinds is refused, naming a property of each.
 */
final class DiscoveryReader {

    /** Each kind's keys, in the order an error looks for the one to name, with how to read them. */
    private static final Map<String, Function<DiscoveryProperties.Zookeeper, Object>> ZOOKEEPER = new LinkedHashMap<>();
    private static final Map<String, Function<DiscoveryProperties.Dns, Object>> DNS = new LinkedHashMap<>();
    private static final Map<String, Function<DiscoveryProperties.SpringCloud, Object>> SPRING_CLOUD =
            new LinkedHashMap<>();

    static {
        ZOOKEEPER.put("path", DiscoveryProperties.Zookeeper::getPath);
        ZOOKEEPER.put("connect-string", DiscoveryProperties.Zookeeper::getConnectString);
        ZOOKEEPER.put("format", DiscoveryProperties.Zookeeper::getFormat);
        ZOOKEEPER.put("service", DiscoveryProperties.Zookeeper::getService);
        ZOOKEEPER.put("session-timeout", DiscoveryProperties.Zookeeper::getSessionTimeout);
        ZOOKEEPER.put("connection-timeout", DiscoveryProperties.Zookeeper::getConnectionTimeout);
        ZOOKEEPER.put("removal-delay", DiscoveryProperties.Zookeeper::getRemovalDelay);
        DNS.put("name", DiscoveryProperties.Dns::getName);
        DNS.put("port", DiscoveryProperties.Dns::getPort);
        DNS.put("refresh-interval", DiscoveryProperties.Dns::getRefreshInterval);
        DNS.put("removal-delay", DiscoveryProperties.Dns::getRemovalDelay);
        SPRING_CLOUD.put("service-id", DiscoveryProperties.SpringCloud::getServiceId);
        SPRING_CLOUD.put("refresh-interval", DiscoveryProperties.SpringCloud::getRefreshInterval);
        SPRING_CLOUD.put("removal-delay", DiscoveryProperties.SpringCloud::getRemovalDelay);
    }

    /**
     * A key that is set, of one kind: what an error about the kind as a whole (two kinds, a missing library)
     * names.
     *
     * @param property its full property
     * @param value    its value
     */
    record SetKey(String property, Object value) {
    }

    private DiscoveryReader() {
    }

    /**
     * The pool's discovery settings, or {@code null} when it sets no discovery key.
     *
     * @param pool the pool's name
     * @param d    its {@code discovery}
     * @param tls  whether it speaks TLS: {@code true}, {@code false}, or {@code null} when a factory bean decides
     */
    static SourceSettings read(String pool, DiscoveryProperties d, Boolean tls) {
        Map<String, SetKey> kinds = new LinkedHashMap<>();
        firstSet(pool, ZooKeeperDiscoverySettings.KIND, ZOOKEEPER, d.getZookeeper(), kinds);
        firstSet(pool, DnsDiscoverySettings.KIND, DNS, d.getDns(), kinds);
        firstSet(pool, SpringCloudDiscoverySettings.KIND, SPRING_CLOUD, d.getSpringCloud(), kinds);
        if (kinds.size() > 1) {
            List<SetKey> set = new ArrayList<>(kinds.values());
            List<String> properties = set.stream().map(SetKey::property).toList();
            throw new ConnpoolConfigurationException(set.get(1).property(), set.get(1).value(), "pool '" + pool
                    + "' sets " + String.join(" and ", properties) + ": a pool finds its servers through one "
                    + "discovery only (" + String.join(", ", kinds.keySet()) + " are set)",
                    "Keep the keys of one kind: remove " + set.get(1).property() + " and the other "
                            + PoolCreator.path(pool, "discovery." + new ArrayList<>(kinds.keySet()).get(1)) + ".* keys, or "
                            + set.get(0).property() + " and the other " + PoolCreator.path(pool, "discovery."
                            + kinds.keySet().iterator().next()) + ".* keys.", null);
        }
        if (kinds.isEmpty()) {
            return null;
        }
        return switch (kinds.keySet().iterator().next()) {
            case ZooKeeperDiscoverySettings.KIND -> zookeeper(pool, d.getZookeeper(), Boolean.TRUE.equals(tls));
            case DnsDiscoverySettings.KIND -> dns(pool, d.getDns());
            default -> springCloud(pool, d.getSpringCloud(), tls);
        };
    }

    /** The first key of the kind that is set, for the messages about the kind as a whole. */
    static SetKey setKey(String pool, String kind, DiscoveryProperties d) {
        Map<String, SetKey> kinds = new LinkedHashMap<>();
        switch (kind) {
            case ZooKeeperDiscoverySettings.KIND -> firstSet(pool, kind, ZOOKEEPER, d.getZookeeper(), kinds);
            case DnsDiscoverySettings.KIND -> firstSet(pool, kind, DNS, d.getDns(), kinds);
            default -> firstSet(pool, kind, SPRING_CLOUD, d.getSpringCloud(), kinds);
        }
        return kinds.get(kind);
    }

    private static <T> void firstSet(String pool, String kind, Map<String, Function<T, Object>> keys, T properties,
                                     Map<String, SetKey> into) {
        for (Map.Entry<String, Function<T, Object>> key : keys.entrySet()) {
            Object value = key.getValue().apply(properties);
            if (value != null) {
                into.put(kind, new SetKey(PoolCreator.path(pool, "discovery." + kind + "." + key.getKey()), value));
                return;
            }
        }
    }

    /** The checked discovery.zookeeper settings. */
    static ZooKeeperDiscoverySettings zookeeper(String name, DiscoveryProperties.Zookeeper z, boolean tls) {
        String prefix = PoolCreator.path(name, "discovery.zookeeper.");
        boolean curator = z.getFormat() == DiscoveryFormatType.CURATOR;
        String path = z.getPath();
        if (path == null || path.isBlank()) {
            throw new ConnpoolConfigurationException(prefix + "path", path, "pool '" + name
                    + "' has ZooKeeper discovery but no path to watch",
                    "Set " + prefix + "path to " + (curator
                            ? "the Curator x-discovery base path, such as /services (Spring Cloud Zookeeper's default)."
                            : "the ZooKeeper node whose children are named host:port, such as /services/" + name + "."),
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
        Duration session = zooKeeperTimeout(prefix + "session-timeout", z.getSessionTimeout(),
                ZooKeeperDiscoverySettings.DEFAULT_SESSION_TIMEOUT);
        Duration connection = zooKeeperTimeout(prefix + "connection-timeout", z.getConnectionTimeout(),
                ZooKeeperDiscoverySettings.DEFAULT_CONNECTION_TIMEOUT);
        return new ZooKeeperDiscoverySettings(name, connectString == null ? null : connectString.strip(), path,
                curator, curator ? service : null, session, connection, z.getRemovalDelay(), tls);
    }

    private static Duration zooKeeperTimeout(String property, Duration value, Duration fallback) {
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

    /** The checked discovery.dns settings; the interval and delay are checked again by the source. */
    static DnsDiscoverySettings dns(String name, DiscoveryProperties.Dns dns) {
        String prefix = PoolCreator.path(name, "discovery.dns.");
        String host = dns.getName();
        if (host == null || host.isBlank()) {
            throw new ConnpoolConfigurationException(prefix + "name", host, "pool '" + name
                    + "' has DNS discovery but no name to resolve",
                    "Set " + prefix + "name to the DNS name whose A/AAAA records are the servers, such as "
                            + "orders.shop.svc.cluster.local (a Kubernetes headless Service).", null);
        }
        if (host.strip().contains(":") || host.strip().contains(" ") || host.strip().contains("/")) {
            throw new ConnpoolConfigurationException(prefix + "name", host, "is not a DNS name (a port, a scheme "
                    + "or a space in it?)",
                    "Set " + prefix + "name to a bare name such as orders.shop.svc.cluster.local, and the port in "
                            + prefix + "port.", null);
        }
        Integer port = dns.getPort();
        if (port == null) {
            throw new ConnpoolConfigurationException(prefix + "port", null, "DNS records carry no port: pool '"
                    + name + "' needs the port of its servers", "Set " + prefix + "port, such as 6379.", null);
        }
        if (port < 1 || port > 65535) {
            throw new ConnpoolConfigurationException(prefix + "port", port, "must be from 1 to 65535",
                    "Set " + prefix + "port to the servers' port.", null);
        }
        positive(prefix + "refresh-interval", dns.getRefreshInterval());
        notNegative(prefix + "removal-delay", dns.getRemovalDelay());
        return new DnsDiscoverySettings(name, host.strip(), port, dns.getRefreshInterval(), dns.getRemovalDelay());
    }

    /** The checked discovery.spring-cloud settings, with the defaults in place. */
    static SpringCloudDiscoverySettings springCloud(String name, DiscoveryProperties.SpringCloud cloud, Boolean tls) {
        String prefix = PoolCreator.path(name, "discovery.spring-cloud.");
        String serviceId = cloud.getServiceId();
        if (serviceId == null || serviceId.isBlank()) {
            throw new ConnpoolConfigurationException(prefix + "service-id", serviceId, "pool '" + name
                    + "' has Spring Cloud discovery but no service id",
                    "Set " + prefix + "service-id to the service whose instances are the pool's servers (the "
                            + "spring.application.name it registers under).", null);
        }
        positive(prefix + "refresh-interval", cloud.getRefreshInterval());
        notNegative(prefix + "removal-delay", cloud.getRemovalDelay());
        return new SpringCloudDiscoverySettings(name, serviceId.strip(),
                cloud.getRefreshInterval() == null ? SpringCloudDiscoverySettings.DEFAULT_REFRESH_INTERVAL
                        : cloud.getRefreshInterval(),
                cloud.getRemovalDelay() == null ? SpringCloudDiscoverySettings.DEFAULT_REMOVAL_DELAY
                        : cloud.getRemovalDelay(), tls);
    }

    private static void positive(String property, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new ConnpoolConfigurationException(property, value, "must be positive",
                    "Set " + property + " to a positive duration such as 30s.", null);
        }
    }

    private static void notNegative(String property, Duration value) {
        if (value != null && value.isNegative()) {
            throw new ConnpoolConfigurationException(property, value, "must not be negative",
                    "Set " + property + " to 0s (drain at once) or a positive duration such as 60s.", null);
        }
    }
}
