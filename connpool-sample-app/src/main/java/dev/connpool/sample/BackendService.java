package dev.connpool.sample;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * What the app does with the pool {@code backend}: echo through {@code execute()} (load-balanced and
 * retried on another server), and a key-value store sharded over the servers by key with
 * {@code borrow(server)}, so a key always reaches the same server while it is up.
 */
@Service
public class BackendService {

    private final MultiPool<SocketConnection> backend;
    private final BackendProtocol protocol;

    public BackendService(MultiPool<SocketConnection> backend, BackendProtocol protocol) {
        this.backend = backend;
        this.protocol = protocol;
    }

    /** An answer and the server that gave it. */
    public record Reply(String server, String value) {
    }

    public Reply echo(String text) {
        return backend.execute(c -> new Reply(c.server().toString(), protocol.echo(c, text)));
    }

    public Reply get(String key) {
        ServerAddress server = shard(key);
        try (Lease<SocketConnection> lease = backend.borrow(server)) {
            try {
                return new Reply(server.toString(), protocol.get(lease.connection(), key));
            } catch (IOException e) {
                throw broken(lease, e);
            }
        }
    }

    public Reply set(String key, String value) {
        ServerAddress server = shard(key);
        try (Lease<SocketConnection> lease = backend.borrow(server)) {
            try {
                protocol.set(lease.connection(), key, value);
            } catch (IOException e) {
                throw broken(lease, e);
            }
            return new Reply(server.toString(), value);
        }
    }

    /** The server that owns {@code key}: its hash over the configured servers, in a fixed order. */
    public ServerAddress shard(String key) {
        List<ServerAddress> servers = backend.settings().servers().stream()
                .sorted(Comparator.comparing(ServerAddress::toString)).toList();
        return servers.get(Math.floorMod(key.hashCode(), servers.size()));
    }

    /**
     * A failed request on a borrowed connection: the connection's protocol state is unknown (a reply may
     * still be on its way), so it is destroyed, not given back, and its server is charged a failure.
     */
    private static UncheckedIOException broken(Lease<SocketConnection> lease, IOException e) {
        lease.invalidate();
        return new UncheckedIOException("backend " + lease.server() + " failed: " + e.getMessage(), e);
    }
}
