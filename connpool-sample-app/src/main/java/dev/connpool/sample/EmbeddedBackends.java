package dev.connpool.sample;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The three backends the app starts for itself when no servers are configured, numbered from 0 everywhere:
 * {@code backend-0} is index 0 in {@code /api/backends/0/stop} and on the live page.
 */
public final class EmbeddedBackends implements AutoCloseable {

    private final List<LineServer> servers;

    private EmbeddedBackends(List<LineServer> servers) {
        this.servers = List.copyOf(servers);
    }

    static EmbeddedBackends start(int count) throws IOException {
        List<LineServer> servers = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                servers.add(LineServer.start("backend-" + i));
            }
        } catch (IOException e) {
            servers.forEach(LineServer::close);
            throw e;
        }
        return new EmbeddedBackends(servers);
    }

    public List<LineServer> servers() {
        return servers;
    }

    /** The server at {@code index} (0-based). */
    public LineServer get(int index) {
        if (index < 0 || index >= servers.size()) {
            throw new IllegalArgumentException("no embedded backend #" + index + "; there are " + servers.size());
        }
        return servers.get(index);
    }

    String addresses() {
        return servers.stream().map(LineServer::address).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        servers.forEach(LineServer::close);
    }
}
