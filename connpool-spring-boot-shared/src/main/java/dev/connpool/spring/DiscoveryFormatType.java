package dev.connpool.spring;

import java.util.Locale;

/**
 * How servers are written under a pool's ZooKeeper path, as the {@code discovery.zookeeper.format} key takes
 * it: an enum, so that an IDE completes the values under {@code connpool.pools.<name>}. The starter's mirror
 * of connpool-zookeeper's {@code DiscoveryFormat} (which may be absent from the class path, so that this
 * type cannot be it); the constants carry the same names, and a test checks that they match.
 */
public enum DiscoveryFormatType {

    /** children: each child of the path is named host:port; the node's data is ignored. The default. */
    CHILDREN,

    /**
     * curator: Apache Curator x-discovery ServiceInstance JSON under {@code <path>/<service>/<id>}, the layout
     * Spring Cloud Zookeeper registers services in.
     */
    CURATOR;

    /**
     * Returns the value as written in YAML.
     *
     * @return {@code children} or {@code curator}
     */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
