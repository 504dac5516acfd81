package dev.connpool.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.util.ClassUtils;

/**
 * What each kind of discovery needs on the class path, and the start-up error of a pool whose discovery's
 * library is missing: it names a key the pool set and what to add.
 */
final class SourceLibraries {

    /** The classes each kind loads; its factory bean exists only when they are all present. */
    static final Map<String, List<String>> CLASSES = Map.of(
            ZooKeeperDiscoverySettings.KIND, List.of("dev.connpool.zookeeper.ZooKeeperServerSource",
                    "org.apache.curator.framework.CuratorFramework"),
            SpringCloudDiscoverySettings.KIND, List.of("org.springframework.cloud.client.discovery.DiscoveryClient"),
            DnsDiscoverySettings.KIND, List.of());

    private static final Map<String, String> ADD = Map.of(
            ZooKeeperDiscoverySettings.KIND, "Add the dependency dev.connpool:connpool-zookeeper (it brings Apache "
                    + "Curator) to your application",
            SpringCloudDiscoverySettings.KIND, "Add your registry's Spring Cloud discovery client to your application "
                    + "(such as org.springframework.cloud:spring-cloud-starter-consul-discovery, "
                    + "spring-cloud-starter-netflix-eureka-client, spring-cloud-starter-kubernetes-client or "
                    + "spring-cloud-starter-zookeeper-discovery; spring-cloud-commons alone has the simple one)",
            DnsDiscoverySettings.KIND, "Keep connpool's auto-configuration on (connpool.enabled)");

    private static final Map<String, String> NAMES = Map.of(ZooKeeperDiscoverySettings.KIND, "ZooKeeper discovery",
            SpringCloudDiscoverySettings.KIND, "Spring Cloud discovery", DnsDiscoverySettings.KIND, "DNS discovery");

    private SourceLibraries() {
    }

    /**
     * The error of a pool whose discovery has no factory.
     *
     * @param discovery the pool's discovery settings
     * @param key       a key of that kind the pool set
     * @param loader    the application's class loader
     */
    static ConnpoolConfigurationException missing(SourceSettings discovery, DiscoveryReader.SetKey key,
                                                  ClassLoader loader) {
        List<String> missing = new ArrayList<>();
        for (String type : CLASSES.get(discovery.kind())) {
            if (!ClassUtils.isPresent(type, loader)) {
                missing.add(type);
            }
        }
        String name = NAMES.get(discovery.kind());
        return new ConnpoolConfigurationException(key.property(), key.value(), "pool '" + discovery.pool()
                + "' has " + name + ", but " + (missing.isEmpty() ? name + " is not set up (connpool.enabled?)"
                : String.join(" and ", missing) + (missing.size() > 1 ? " are" : " is") + " not on the class path"),
                ADD.get(discovery.kind()) + ", or remove " + PoolCreator.path(discovery.pool(), "discovery") + ".",
                null);
    }
}
