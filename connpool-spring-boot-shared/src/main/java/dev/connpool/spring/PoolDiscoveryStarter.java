package dev.connpool.spring;

import dev.connpool.MultiPool;

/**
 * Starts a pool's ZooKeeper discovery. Its one implementation ({@link ZooKeeperPoolDiscovery}) is a bean
 * only when Apache Curator and connpool-zookeeper are on the class path; this interface mentions neither,
 * so {@link PoolCreator} can ask for it without loading them.
 */
interface PoolDiscoveryStarter {

    /**
     * Checks the settings with connpool-zookeeper's own rules (ZooKeeper paths, the service name, the
     * removal delay) before anything is created.
     *
     * @param settings the pool's settings
     * @throws ConnpoolConfigurationException naming the property of the bad setting
     */
    void check(ZooKeeperDiscoverySettings settings);

    /**
     * Starts watching the pool's servers; when this returns, the pool has ZooKeeper's servers if ZooKeeper
     * answered. The discovery is stopped when the context closes, before the pool is.
     *
     * @param pool     the running pool (not closed by this method, even when it fails)
     * @param settings the pool's checked settings
     * @throws ConnpoolConfigurationException when the settings cannot be used (no CuratorFramework, ...)
     */
    void start(MultiPool<?> pool, ZooKeeperDiscoverySettings settings);
}
