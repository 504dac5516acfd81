package dev.connpool.zookeeper;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import dev.connpool.ServerAddress;

/** What one read of the watched path found: how many nodes, the servers, and the nodes skipped with why. */
final class PathRead {

    final int nodes;
    final Set<ServerAddress> servers = new LinkedHashSet<>();
    /** Node name to why it is not a server. */
    final Map<String, String> bad = new LinkedHashMap<>();

    PathRead(int nodes) {
        this.nodes = nodes;
    }
}
