package dev.connpool.sample;

import dev.connpool.MultiPool;
import dev.connpool.NoServerAvailableException;
import dev.connpool.ServerAddress;
import java.util.Comparator;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * What the app does with the pool {@code backend}: echo through {@code execute()} (load-balanced, and retried
 * on another server when a server cannot serve), and a key-value store sharded over the servers by key with
 * the pinned {@code execute(server, work)}, so a key always reaches the same server while it is up. Both run
 * the work once more on a new connection when a pooled one turns out broken, and leave judging a failure to
 * the factory's {@code classify}.
 *
 * @param <C> the pool's connection type: a socket for the line protocol, a {@code Jedis} for Redis
 */
@Service
public class BackendService<C> {

    private final MultiPool<C> backend;
    private final BackendProtocol<C> protocol;

    public BackendService(MultiPool<C> backend, BackendProtocol<C> protocol) {
        this.backend = backend;
        this.protocol = protocol;
    }

    /** An answer and the server that gave it. */
    public record Reply(String server, String value) {
    }

    public Reply echo(String text) {
        return backend.execute((connection, server) -> new Reply(server.toString(), protocol.echo(connection, text)));
    }

    public Reply get(String key) {
        ServerAddress server = shard(key);
        return backend.execute(server, connection -> new Reply(server.toString(), protocol.get(connection, key)));
    }

    public Reply set(String key, String value) {
        ServerAddress server = shard(key);
        return backend.execute(server, connection -> {
            protocol.set(connection, key, value);
            return new Reply(server.toString(), value);
        });
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
}
