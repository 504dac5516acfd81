package dev.connpool;

import java.util.List;

/**
 * A snapshot of a pool: one {@link ServerStats} per server (draining ones included), plus totals.
 *
 * @param pool    the pool's name
 * @param servers one entry per server, in the order the servers were added
 */
public record PoolStats(String pool, List<ServerStats> servers) {

    /**
     * Copies the list.
     *
     * @param pool    the pool's name
     * @param servers one entry per server
     */
    public PoolStats {
        servers = List.copyOf(servers);
    }

    /**
     * Returns the connections lent out, over all servers.
     *
     * @return the sum of {@link ServerStats#active()}
     */
    public int active() {
        return servers.stream().mapToInt(ServerStats::active).sum();
    }

    /**
     * Returns the idle connections, over all servers.
     *
     * @return the sum of {@link ServerStats#idle()}
     */
    public int idle() {
        return servers.stream().mapToInt(ServerStats::idle).sum();
    }

    /**
     * Returns the borrowers waiting for a connection, over all servers.
     *
     * @return the sum of {@link ServerStats#waiting()}
     */
    public int waiting() {
        return servers.stream().mapToInt(ServerStats::waiting).sum();
    }

    /**
     * Returns how many servers are {@linkplain ServerStats#usable() usable}: can serve a borrow now.
     *
     * @return the number of usable servers
     */
    public int usableServers() {
        return (int) servers.stream().filter(ServerStats::usable).count();
    }

    /**
     * Returns the snapshot of one server.
     *
     * @param server the server
     * @return its stats, or {@code null} when it is not in the pool
     */
    public ServerStats server(ServerAddress server) {
        for (ServerStats s : servers) {
            if (s.server().equals(server)) {
                return s;
            }
        }
        return null;
    }
}
