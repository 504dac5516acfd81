package dev.connpool.spring;

import java.util.Map;

/**
 * What the server source of each pool knows, for health and the {@code connpools} endpoint: the same details
 * for every kind of source (ZooKeeper, DNS, Spring Cloud), read from its
 * {@link dev.connpool.ServerSource#state()}.
 */
public interface PoolDiscoveryDetails {

    /**
     * Returns a pool's discovery details: {@code kind} ({@code zookeeper}, {@code dns}, {@code spring-cloud}),
     * {@code target} (the path, name or service id followed), {@code connected}, {@code synced},
     * {@code listed} (the servers of the last answer), and {@code lastUpdate}, {@code removing} (servers
     * missing from the answers that the pool keeps until their removal delay runs out), {@code skipped}
     * (entries of the last answer that are no servers, each with why) and {@code lastError} when there are
     * any.
     *
     * @param pool the pool's name
     * @return the details (a new map, in that order), or an empty map when the pool has no discovery
     */
    Map<String, Object> details(String pool);
}
