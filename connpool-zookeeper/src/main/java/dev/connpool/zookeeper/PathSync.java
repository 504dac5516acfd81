package dev.connpool.zookeeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.connpool.MultiPool;
import dev.connpool.PoolClosedException;
import dev.connpool.ServerAddress;

/**
 * One read of the watched path and what follows from it, on the {@link SyncScheduler}'s thread: the
 * servers read go through the {@link RemovalDelay} to the pool ({@link MultiPool#updateServers}), bad
 * nodes are logged once, a missing path keeps the pool as it is and is watched until created, a failed
 * read is tried again. Its fields are the thread's own.
 */
final class PathSync implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PathSync.class);

    private final String label;
    private final PathReader reader;
    private final MultiPool<?> pool;
    private final CuratorFramework client;
    private final SourceState state;
    private final RemovalDelay removals;
    private final DiscoveryClock clock;
    private SyncScheduler scheduler;
    /** Stops the source from inside, saying why. */
    private final Consumer<String> stopSource;

    private Map<String, String> badNodes = Map.of();
    private boolean pathMissingLogged;
    private String lastFailureLogged;

    PathSync(String label, PathReader reader, MultiPool<?> pool, CuratorFramework client, SourceState state,
             RemovalDelay removals, DiscoveryClock clock, Consumer<String> stopSource) {
        this.label = label;
        this.reader = reader;
        this.pool = pool;
        this.client = client;
        this.state = state;
        this.removals = removals;
        this.clock = clock;
        this.stopSource = stopSource;
    }

    /** The scheduler that runs this (made after it: each needs the other). */
    void runBy(SyncScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void run() {
        if (state.closed()) {
            return;
        }
        PathRead read;
        try {
            read = reader.read();
            if (read == null) {
                pathMissing();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            failed("reading " + reader.path, e);
            return;
        }
        try {
            apply(read);
        } catch (RuntimeException e) {
            failed("updating the pool from " + reader.path, e); // not expected; logged, and tried again
        }
    }

    private void apply(PathRead read) {
        Set<ServerAddress> before = pool.servers();
        RemovalDelay.Decision decision = removals.decide(read.servers, clock.nanoTime());
        state.synced(read, decision.kept()); // first: whoever sees the pool changed then finds why
        try {
            pool.updateServers(decision.servers());
        } catch (PoolClosedException e) {
            stopSource.accept("the pool was closed");
            return;
        }
        scheduler.readIn(decision.nanosToNext());
        scheduler.succeeded();
        logBadNodes(read.bad);
        pathMissingLogged = false;
        lastFailureLogged = null;
        logChanges(read, decision, before);
    }

    private void logChanges(PathRead read, RemovalDelay.Decision decision, Set<ServerAddress> before) {
        List<ServerAddress> added = new ArrayList<>();
        for (ServerAddress server : decision.servers()) {
            if (!before.contains(server)) {
                added.add(server);
            }
        }
        List<ServerAddress> removed = new ArrayList<>();
        for (ServerAddress server : before) {
            if (!decision.servers().contains(server)) {
                removed.add(server);
            }
        }
        if (!decision.missing().isEmpty()) {
            log.info("{}: {} no longer in ZooKeeper; kept for the removal delay ({} ms) in case it comes back",
                    label, decision.missing(), removals.delayMillis());
        }
        if (!decision.back().isEmpty()) {
            log.info("{}: {} back in ZooKeeper before its removal delay ran out; not drained", label, decision.back());
        }
        if (added.isEmpty() && removed.isEmpty()) {
            log.debug("{}: {} node(s), {} server(s), unchanged", label, read.nodes, decision.servers().size());
        } else {
            log.info("{}: {}{}{} server(s) now", label, added.isEmpty() ? "" : "added " + added + "; ",
                    removed.isEmpty() ? "" : "removed " + removed + " (draining); ", decision.servers().size());
        }
    }

    private void logBadNodes(Map<String, String> bad) {
        for (Map.Entry<String, String> node : bad.entrySet()) {
            if (!node.getValue().equals(badNodes.get(node.getKey()))) {
                log.warn("{}: skipped node {}: {}", label, ZKPaths.makePath(reader.path, node.getKey()),
                        node.getValue());
            }
        }
        badNodes = bad;
    }

    private void pathMissing() throws InterruptedException {
        boolean exists;
        try {
            exists = reader.exists();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            failed("reading " + reader.path, e);
            return;
        }
        if (exists) {
            scheduler.request(); // created since the read
            return;
        }
        state.failed("path " + reader.path + " does not exist; the pool keeps its servers until it is created");
        if (!pathMissingLogged) {
            pathMissingLogged = true;
            log.warn("{}: the path does not exist; the pool keeps its {} server(s) and the source waits for it",
                    label, serverCount());
        }
    }

    private void failed(String doing, Exception e) {
        if (client.getState() == CuratorFrameworkState.STOPPED) {
            stopSource.accept("the Curator client was closed");
            return;
        }
        String message = doing + " failed: " + e;
        state.failed(message);
        boolean connectionProblem = e instanceof KeeperException.ConnectionLossException
                || e instanceof KeeperException.SessionExpiredException
                || e instanceof KeeperException.SessionMovedException;
        if (connectionProblem || message.equals(lastFailureLogged)) {
            log.debug("{}: {}", label, message);
        } else {
            lastFailureLogged = message;
            log.warn("{}: {}; the pool keeps its servers, trying again", label, message);
        }
        scheduler.retryLater();
    }

    /** The pool's server count, 0 once it is closed. */
    int serverCount() {
        try {
            return pool.servers().size();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
