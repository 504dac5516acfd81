package dev.connpool.sample;

import dev.connpool.MultiPool;
import dev.connpool.NoServerAvailableException;
import dev.connpool.ServerAddress;
import org.springframework.stereotype.Service;

/**
 * What the app does with the pool {@code backend}: echo through {@code execute()} (load-balanced, and retried
 * on another server when a server cannot serve), and a key-value store sharded over the servers by key with
 * {@code executeFor(key, work)} (key affinity: {@code connpool.pools.backend.affinity.*}), so a key reaches
 * its server while it is up, its fallback while it is out, and its server again once it has been back for
 * the return delay. Both run the work once more on a new connection when a pooled one turns out broken, and
 * leave judging a failure to the factory's {@code classify}.
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
        return backend.executeFor(key, (connection, server) -> new Reply(server.toString(), protocol.get(connection, key)));
    }

    public Reply set(String key, String value) {
        return backend.executeFor(key, (connection, server) -> {
            protocol.set(connection, key, value);
            return new Reply(server.toString(), value);
        });
    }

    /**
     * The server {@code key} goes to now ({@link MultiPool#serverFor(String)}): its owner, or its fallback
     * while the owner is out. Adding or removing a server (ZooKeeper) moves only the keys it takes or gives.
     *
     * @throws NoServerAvailableException when the pool has no server
     */
    public ServerAddress shard(String key) {
        return backend.serverFor(key);
    }
}
