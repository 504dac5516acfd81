package dev.connpool;

import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A connection factory without sockets, for the deterministic fuzzer: connections are plain objects stamped
 * with the fake clock's time, servers can be taken down (create throws {@link ConnectException}) and single
 * connections broken (validate says false). It records every create and destroy and the errors it sees: a
 * destroy of a connection it never made, a second destroy, or a destroy of a connection that is still lent.
 */
final class MemoryFactory implements ConnectionFactory<MemoryFactory.Connection> {

    /** One in-memory connection. */
    static final class Connection {
        final int id;
        final ServerAddress server;
        final long createdNanos;
        /** When it last went idle (made, or given back by the test). */
        long idleSinceNanos;
        boolean broken;
        boolean destroyed;
        /** Whether the test holds a lease on it now. */
        boolean lent;

        Connection(int id, ServerAddress server, long createdNanos) {
            this.id = id;
            this.server = server;
            this.createdNanos = createdNanos;
            this.idleSinceNanos = createdNanos;
        }

        @Override
        public String toString() {
            return "conn#" + id + "@" + server;
        }
    }

    private final NanoClock clock;
    private final Set<ServerAddress> down = new HashSet<>();
    final List<Connection> live = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    int created;
    int destroyed;

    MemoryFactory(NanoClock clock) {
        this.clock = clock;
    }

    void down(ServerAddress server, boolean isDown) {
        if (isDown) {
            down.add(server);
        } else {
            down.remove(server);
        }
    }

    @Override
    public synchronized Connection create(ServerAddress server) throws IOException {
        if (down.contains(server)) {
            throw new ConnectException("connection refused (fuzzer: " + server + " is down)");
        }
        Connection c = new Connection(++created, server, clock.nanoTime());
        live.add(c);
        return c;
    }

    @Override
    public synchronized boolean validate(ServerAddress server, Connection connection) {
        if (connection.destroyed) {
            errors.add("validated after destroy: " + connection);
        }
        return !connection.broken && !down.contains(server);
    }

    @Override
    public synchronized void destroy(ServerAddress server, Connection connection) {
        if (connection.destroyed) {
            errors.add("destroyed twice: " + connection);
            return;
        }
        if (!live.remove(connection)) {
            errors.add("destroyed but never made: " + connection);
        }
        if (connection.lent) {
            errors.add("destroyed while lent: " + connection);
        }
        if (!connection.server.equals(server)) {
            errors.add("destroyed as a connection of " + server + ": " + connection);
        }
        connection.destroyed = true;
        destroyed++;
    }

    synchronized List<Connection> liveOf(ServerAddress server) {
        List<Connection> of = new ArrayList<>();
        for (Connection c : live) {
            if (c.server.equals(server)) {
                of.add(c);
            }
        }
        return of;
    }
}
