package dev.connpool.zookeeper;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.connpool.ServerAddress;

/**
 * What a {@link ZooKeeperServerSource} knows, shared by its threads (the caller's, Curator's event thread
 * and the sync thread) under one lock: started and closed, connected, the last read and the last problem,
 * and the outage under way. {@link #snapshot()} is the public {@link DiscoveryState}. The time comes from
 * the injected {@link DiscoveryClock}.
 */
final class SourceState {

    private final Object lock = new Object();
    private final DiscoveryClock clock;
    private final String path;
    private final DiscoveryFormat format;

    private boolean started;
    private volatile boolean closed;
    private volatile boolean connected;
    private String lastError;
    private boolean synced;
    private Instant lastUpdate;
    private int nodeCount;
    private Set<ServerAddress> servers = Set.of();
    private Set<String> skipped = Set.of();
    private Set<ServerAddress> removing = Set.of();
    /** Whether this outage was logged at WARN already. */
    private boolean outageLogged;
    private long outageStartNanos;

    SourceState(DiscoveryClock clock, String path, DiscoveryFormat format) {
        this.clock = clock;
        this.path = path;
        this.format = format;
    }

    /** Marks the source started; null when it may start, else why not. */
    String start() {
        synchronized (lock) {
            if (closed) {
                return "the source is closed";
            }
            if (started) {
                return "the source is started already";
            }
            started = true;
            return null;
        }
    }

    /** Marks the source closed, with {@code why} as the last error when not null; false when it was already. */
    boolean close(String why) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            if (why != null) {
                lastError = why;
            }
            return true;
        }
    }

    boolean closed() {
        return closed;
    }

    boolean connected() {
        return connected;
    }

    /** At start: whether the client is connected already. */
    void startedWith(boolean isConnected) {
        synchronized (lock) {
            connected = isConnected;
            if (!isConnected) {
                lastError = "not connected to ZooKeeper yet";
            }
        }
    }

    /** A read gave the pool its servers; call before changing the pool, so whoever sees the change finds why. */
    void synced(PathRead read, Set<ServerAddress> removingNow) {
        synchronized (lock) {
            synced = true;
            lastUpdate = clock.instant();
            nodeCount = read.nodes;
            servers = Set.copyOf(read.servers);
            skipped = Set.copyOf(read.bad.keySet());
            removing = Set.copyOf(removingNow);
            if (connected) {
                lastError = null;
            }
        }
    }

    void failed(String error) {
        synchronized (lock) {
            lastError = error;
        }
    }

    /**
     * ZooKeeper is connected again.
     *
     * @return how long the outage lasted in milliseconds, or -1 when no outage was under way
     */
    long connectionBack() {
        synchronized (lock) {
            connected = true;
            if (!outageLogged) {
                return -1;
            }
            outageLogged = false;
            return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - outageStartNanos);
        }
    }

    /**
     * The connection or the session was lost.
     *
     * @return true when this starts an outage, false when one was under way
     */
    boolean connectionLost(String why) {
        synchronized (lock) {
            connected = false;
            lastError = why + "; the pool keeps the last known servers";
            if (outageLogged) {
                return false;
            }
            outageLogged = true;
            outageStartNanos = clock.nanoTime();
            return true;
        }
    }

    /** How many servers the last read gave. */
    int lastServerCount() {
        synchronized (lock) {
            return servers.size();
        }
    }

    DiscoveryState snapshot() {
        synchronized (lock) {
            return new DiscoveryState(path, format, connected, synced, lastUpdate, nodeCount, servers, skipped,
                    lastError, removing);
        }
    }
}
