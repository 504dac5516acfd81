package dev.connpool;

import java.time.Instant;
import java.util.Set;

/**
 * What a {@link ServerSource} knows at one moment, for health checks and operators; the same for every
 * kind of source.
 *
 * @param kind       the kind of source: {@code zookeeper}, {@code dns}, {@code spring-cloud}, or your own
 * @param target     what it follows: a ZooKeeper path, a DNS name, a service id
 * @param connected  whether the source reaches its registry now (its last attempt got an answer)
 * @param synced     whether the source gave the pool its servers at least once since it started
 * @param lastUpdate when the source last gave the pool its servers; null before the first time
 * @param servers    the servers the last answer listed
 * @param removing   servers missing from the answers that the pool keeps until the removal delay runs out
 * @param skipped    entries of the last answer that were not usable servers (each with why, when known)
 * @param lastError  the last problem seen (the registry unreachable, an answer that failed), or null
 */
public record ServerSourceState(String kind, String target, boolean connected, boolean synced,
                                Instant lastUpdate, Set<ServerAddress> servers, Set<ServerAddress> removing,
                                Set<String> skipped, String lastError) {

    /**
     * Copies the sets.
     *
     * @param kind       the kind of source
     * @param target     what it follows
     * @param connected  whether the source reaches its registry now
     * @param synced     whether the source gave the pool its servers at least once
     * @param lastUpdate when the source last gave the pool its servers, or null
     * @param servers    the servers the last answer listed
     * @param removing   servers the pool keeps until their removal delay runs out
     * @param skipped    entries of the last answer that were not usable servers
     * @param lastError  the last problem seen, or null
     */
    public ServerSourceState {
        servers = Set.copyOf(servers);
        removing = Set.copyOf(removing);
        skipped = Set.copyOf(skipped);
    }
}
