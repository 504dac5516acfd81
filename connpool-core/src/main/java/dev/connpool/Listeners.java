package dev.connpool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans events out to a pool's {@link PoolListener}s; a listener that throws is logged and skipped. */
final class Listeners {

    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final String pool;
    private final List<PoolListener> listeners = new CopyOnWriteArrayList<>();

    Listeners(String pool, List<PoolListener> initial) {
        this.pool = pool;
        this.listeners.addAll(initial);
    }

    void add(PoolListener listener) {
        listeners.add(listener);
    }

    void serverAdded(ServerAddress server) {
        fire("serverAdded", l -> l.serverAdded(pool, server));
    }

    void serverRemoved(ServerAddress server) {
        fire("serverRemoved", l -> l.serverRemoved(pool, server));
    }

    void serverEjected(ServerAddress server, Duration duration, Throwable lastFailure) {
        fire("serverEjected", l -> l.serverEjected(pool, server, duration, lastFailure));
    }

    void serverReadmitted(ServerAddress server) {
        fire("serverReadmitted", l -> l.serverReadmitted(pool, server));
    }

    void leakSuspected(ServerAddress server, Duration held, Throwable borrowTrace) {
        fire("leakSuspected", l -> l.leakSuspected(pool, server, held, borrowTrace));
    }

    void connectionCreated(ServerAddress server) {
        if (!listeners.isEmpty()) {
            fire("connectionCreated", l -> l.connectionCreated(pool, server));
        }
    }

    void connectionDestroyed(ServerAddress server) {
        if (!listeners.isEmpty()) {
            fire("connectionDestroyed", l -> l.connectionDestroyed(pool, server));
        }
    }

    private void fire(String event, Consumer<PoolListener> call) {
        for (PoolListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException | LinkageError e) {
                log.warn("pool '{}': listener {} threw on {}; ignored", pool, listener, event, e);
            }
        }
    }
}
