/**
 * A live server list for a {@link dev.connpool.MultiPool} from ZooKeeper, through Apache Curator:
 * {@link dev.connpool.zookeeper.ZooKeeperServerSource} watches a path and
 * {@link dev.connpool.zookeeper.ZooKeeperRegistration} registers a server under one.
 *
 * <p>Inside, one concern per class (all package-private but the public API above,
 * {@link dev.connpool.zookeeper.DiscoveryFormat} and the exceptions). What every source shares (the
 * removal delay, outages, the state) is core's {@link dev.connpool.ServerSourceSupport}:
 * <ul>
 * <li>{@code ZooKeeperServerSource}: the facade and its builder; start, state, close;</li>
 * <li>{@code DiscoverySettings}: the one set of setting rules (ZooKeeper paths too), throwing
 *     {@link dev.connpool.zookeeper.InvalidDiscoverySettingException};</li>
 * <li>{@code PathReader}, {@code ChildrenReader}, {@code CuratorInstanceReader}: a reader per format,
 *     {@code PathRead} what one read found;</li>
 * <li>{@code SyncScheduler}: the one sync thread, folded requests, retry backoff, reads at a due time;</li>
 * <li>{@code PathSync}: one read and what follows (the answer given to the support, skipped nodes logged, a
 *     missing path);</li>
 * <li>{@code ConnectionWatcher}: Curator's connection states, told to the support as outages and
 *     reconnections.</li>
 * </ul>
 */
package dev.connpool.zookeeper;
