package dev.connpool.zookeeper;

import java.time.Instant;
import java.util.Set;

import dev.connpool.ServerAddress;

/**
 * What a {@link ZooKeeperServerSource} knows at one moment, for health checks and operators.
 *
 * @param path        the watched path ({@code curator}: the service's path, {@code <base>/<service>})
 * @param format      how servers are written under it
 * @param connected   whether the ZooKeeper session is connected now
 * @param synced      whether the pool's servers were set from ZooKeeper at least once since the source started
 * @param lastUpdate  when the pool's servers were last set from ZooKeeper; null before the first time
 * @param nodeCount   how many nodes the path held at the last read (skipped ones included)
 * @param servers     the servers read at the last read (the pool has them, and the {@code removing} ones)
 * @param skipped     node names that did not parse at the last read
 * @param lastError   the last problem seen (connection lost, a read that failed), or null when there is none
 * @param removing    servers no longer in ZooKeeper that the pool keeps until their removal delay runs out
 *                    ({@link ZooKeeperServerSource.Builder#removalDelay}); drained then unless they come back
 */
public record DiscoveryState(String path, DiscoveryFormat format, boolean connected, boolean synced,
                             Instant lastUpdate, int nodeCount, Set<ServerAddress> servers,
                             Set<String> skipped, String lastError, Set<ServerAddress> removing) {

    /**
     * Copies the sets.
     *
     * @param path       the watched path
     * @param format     how servers are written under it
     * @param connected  whether the ZooKeeper session is connected now
     * @param synced     whether the pool's servers were set from ZooKeeper at least once
     * @param lastUpdate when the pool's servers were last set from ZooKeeper, or null
     * @param nodeCount  how many nodes the path held at the last read
     * @param servers    the servers read at the last read
     * @param skipped    node names that did not parse at the last read
     * @param lastError  the last problem seen, or null
     * @param removing   servers the pool keeps until their removal delay runs out
     */
    public DiscoveryState {
        servers = Set.copyOf(servers);
        skipped = Set.copyOf(skipped);
        removing = Set.copyOf(removing);
    }
}
