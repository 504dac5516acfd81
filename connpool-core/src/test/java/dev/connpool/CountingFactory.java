package dev.connpool;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a factory and checks the pool's bookkeeping from the outside: every connection it made, and that
 * each is destroyed exactly once.
 */
final class CountingFactory<C> implements ConnectionFactory<C> {

    private final ConnectionFactory<C> delegate;
    private final Set<C> live = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private final Set<C> dead = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    final AtomicInteger validations = new AtomicInteger();
    /** Problems seen: a destroy of an unknown connection, a second destroy. */
    final List<String> errors = new CopyOnWriteArrayList<>();

    CountingFactory(ConnectionFactory<C> delegate) {
        this.delegate = delegate;
    }

    static CountingFactory<SocketConnection> sockets() {
        return new CountingFactory<>(SocketConnectionFactory.builder().connectTimeout(java.time.Duration.ofMillis(500))
                .readTimeout(java.time.Duration.ofSeconds(2)).build());
    }

    @Override
    public C create(ServerAddress server) throws Exception {
        C c = delegate.create(server);
        if (c != null) {
            live.add(c);
            created.incrementAndGet();
        }
        return c;
    }

    @Override
    public boolean validate(ServerAddress server, C connection) {
        validations.incrementAndGet();
        return delegate.validate(server, connection);
    }

    @Override
    public void destroy(ServerAddress server, C connection) throws Exception {
        if (dead.contains(connection)) {
            errors.add("destroyed twice: " + connection);
        } else if (!live.remove(connection)) {
            errors.add("destroyed but never created: " + connection);
        }
        dead.add(connection);
        destroyed.incrementAndGet();
        delegate.destroy(server, connection);
    }

    @Override
    public FailureKind classify(ServerAddress server, Throwable failure) {
        return delegate.classify(server, failure);
    }

    /** Connections created and not destroyed yet. */
    int live() {
        return live.size();
    }
}
