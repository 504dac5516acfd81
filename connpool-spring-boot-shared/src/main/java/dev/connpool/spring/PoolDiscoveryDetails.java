package dev.connpool.spring;

import java.util.Map;

/**
 * What the discovery of each pool knows, for health and the {@code connpools} endpoint: the watched path,
 * the format, whether ZooKeeper is connected, when the servers were last set, how many nodes were read,
 * the ones skipped, the ones kept until their removal delay runs out, and the last error. A bean when connpool-zookeeper and Apache Curator are on the class
 * path.
 */
public interface PoolDiscoveryDetails {

    /**
     * Returns a pool's discovery details: {@code path}, {@code format}, {@code connected}, {@code synced},
     * {@code nodeCount}, and {@code lastUpdate}, {@code skipped}, {@code removing} (servers gone from
     * ZooKeeper that the pool keeps until their removal delay runs out), {@code lastError} when there are
     * any.
     *
     * @param pool the pool's name
     * @return the details (a new map, in that order), or an empty map when the pool has no discovery
     */
    Map<String, Object> details(String pool);
}
