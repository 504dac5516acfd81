package dev.connpool.zookeeper;

/**
 * How servers are written under a ZooKeeper path.
 */
public enum DiscoveryFormat {

    /**
     * Each child of the path is named {@code host:port} (for example {@code /services/cache/10.0.0.7:11211});
     * the node's data is ignored.
     */
    CHILDREN,

    /**
     * Apache Curator x-discovery: {@code ServiceInstance} JSON in the nodes under {@code <path>/<service>/<id>},
     * the layout Spring Cloud Zookeeper registers services in. A server is the instance's address and port
     * (its SSL port when it has no plain one).
     */
    CURATOR
}
