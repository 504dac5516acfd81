package dev.connpool.sample;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.NoServerAvailableException;
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
                return new Reply(server.toString(), value);
            } catch (IOException e) {
                throw broken(lease, e);
            }
        }
    }

    /**
     * The server that owns {@code key}: its hash over the pool's servers now (draining ones excepted), in a
     * fixed order. With configured servers that is always the same server; with servers from ZooKeeper a
     * key moves when the servers change.
     *
     * @throws NoServerAvailableException when the pool has no server
     */
    public ServerAddress shard(String key) {
        List<ServerAddress> servers = backend.servers().stream()
                .sorted(Comparator.comparing(ServerAddress::toString)).toList();
        if (servers.isEmpty()) {
            throw new NoServerAvailableException(backend.name(), null, "pool '" + backend.name() + "' has no servers");
        }
        return servers.get(Math.floorMod(key.hashCode(), servers.size()));
    }

    /**
     * The connection failed mid-exchange: its protocol state is unknown (a late answer may still come), so
     * it must not go back to the pool. Invalidating it also charges its server a failure, so a server that
     * keeps failing gets ejected; {@code close()}, which try-with-resources calls next, is then a no-op.
     */
    private static UncheckedIOException broken(Lease<SocketConnection> lease, IOException e) {
        lease.invalidate();
        return new UncheckedIOException("backend " + lease.server() + " failed: " + e.getMessage(), e);
    }
}
