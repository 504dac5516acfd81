package dev.connpool.zookeeper;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.connpool.ServerSourceSupport;

/**
 * Follows the Curator client's connection for a source: when the connection or the session is lost the
 * pool keeps its servers ({@link ServerSourceSupport#unreachable}: shown in the state, logged once per
 * outage); when it is back, the removals get their grace again from now ({@link ServerSourceSupport#reachable})
 * and the whole path is read again (the watches of a lost session are gone: only a full read brings the
 * pool up to date).
 */
final class ConnectionWatcher implements ConnectionStateListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectionWatcher.class);

    private final String label;
    private final ServerSourceSupport support;
    private final SyncScheduler scheduler;

    ConnectionWatcher(String label, ServerSourceSupport support, SyncScheduler scheduler) {
        this.label = label;
        this.support = support;
        this.scheduler = scheduler;
    }

    @Override
    public void stateChanged(CuratorFramework client, ConnectionState newState) {
        if (support.closed()) {
            return;
        }
        switch (newState) {
            case CONNECTED, RECONNECTED, READ_ONLY -> {
                support.reachable(); // before the read it asks for
                log.debug("{}: {}; reading the path", label, newState);
                scheduler.request();
            }
            case SUSPENDED -> support.unreachable("ZooKeeper connection lost (" + newState + ")");
            case LOST -> support.unreachable("ZooKeeper session lost (" + newState + ")");
            default -> {
            }
        }
    }
}
