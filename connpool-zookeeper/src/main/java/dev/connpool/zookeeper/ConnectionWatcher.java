package dev.connpool.zookeeper;

import java.util.Locale;
import java.util.function.IntSupplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the Curator client's connection for a source: when the connection or the session is lost the
 * pool keeps its servers and the state says why (logged at WARN once per outage); when it is back, the
 * removals get their grace again from now ({@link RemovalDelay#reconnected}) and the whole path is read
 * again (the watches of a lost session are gone: only a full read brings the pool up to date).
 */
final class ConnectionWatcher implements ConnectionStateListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectionWatcher.class);

    private final String label;
    private final SourceState state;
    private final RemovalDelay removals;
    private final DiscoveryClock clock;
    private final SyncScheduler scheduler;
    private final IntSupplier poolSize;

    ConnectionWatcher(String label, SourceState state, RemovalDelay removals, DiscoveryClock clock,
                      SyncScheduler scheduler, IntSupplier poolSize) {
        this.label = label;
        this.state = state;
        this.removals = removals;
        this.clock = clock;
        this.scheduler = scheduler;
        this.poolSize = poolSize;
    }

    @Override
    public void stateChanged(CuratorFramework client, ConnectionState newState) {
        if (state.closed()) {
            return;
        }
        switch (newState) {
            case CONNECTED, RECONNECTED, READ_ONLY -> connected(newState);
            case SUSPENDED, LOST -> lost(newState);
            default -> {
            }
        }
    }

    private void connected(ConnectionState newState) {
        removals.reconnected(clock.nanoTime()); // before the read it asks for
        long outageMillis = state.connectionBack();
        if (outageMillis >= 0) {
            log.info("{}: {} to ZooKeeper after {} ms; reading the path again", label,
                    newState.toString().toLowerCase(Locale.ROOT), outageMillis);
        } else {
            log.debug("{}: {}; reading the path", label, newState);
        }
        scheduler.request();
    }

    private void lost(ConnectionState newState) {
        String why = newState == ConnectionState.LOST ? "ZooKeeper session lost" : "ZooKeeper connection lost";
        int kept = state.lastServerCount();
        if (state.connectionLost(why)) {
            log.warn("{}: {} ({}); the pool keeps its {} server(s) until ZooKeeper is back", label, why, newState,
                    poolSize.getAsInt());
        } else {
            log.info("{}: {} ({}); still keeping the last known {} server(s)", label, why, newState, kept);
        }
    }
}
