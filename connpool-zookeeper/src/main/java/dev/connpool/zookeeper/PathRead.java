package dev.connpool.zookeeper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.connpool.ServerAddress;

/**
 * What one read of the watched path found: how many nodes, the servers, the nodes that are not servers
 * because they do not parse ({@link #bad}, logged at WARN) and the instances that are well formed but not
 * serving ({@link #leftOut}: disabled, or a status other than {@code UP}; logged at INFO).
 */
final class PathRead {

    final int nodes;
    final Set<ServerAddress> servers = new LinkedHashSet<>();
    /** Node name to why it does not parse. */
    final Map<String, String> bad = new LinkedHashMap<>();
    /** Instances that are well formed and do not serve now: drained at once. */
    final Set<ServerAddress> notServing = new LinkedHashSet<>();
    /** Node name to why the instance is not a server now. */
    final Map<String, String> leftOut = new LinkedHashMap<>();

    PathRead(int nodes) {
        this.nodes = nodes;
    }

    /** Every node that is not a server, as {@code name: why}, for the source's state. */
    List<String> skipped() {
        List<String> skipped = new ArrayList<>(bad.size() + leftOut.size());
        bad.forEach((node, why) -> skipped.add(node + ": " + why));
        leftOut.forEach((node, why) -> skipped.add(node + ": " + why));
        return skipped;
    }
}
