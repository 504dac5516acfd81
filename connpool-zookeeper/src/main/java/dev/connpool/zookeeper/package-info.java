/**
 * A live server list for a {@link dev.connpool.MultiPool} from ZooKeeper, through Apache Curator:
 * {@link dev.connpool.zookeeper.ZooKeeperServerSource} watches a path and
 * {@link dev.connpool.zookeeper.ZooKeeperRegistration} registers a server under one.
 */
package dev.connpool.zookeeper;
