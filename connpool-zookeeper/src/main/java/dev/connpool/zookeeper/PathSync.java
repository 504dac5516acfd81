package dev.connpool.zookeeper;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.connpool.MultiPool;
import dev.connpool.PoolClosedException;
import dev.connpool.ServerSourceSupport;

/**
 * One read of the watched path and what follows from it, on the {@link SyncScheduler}'s thread: the
 * servers read are the answer given to the {@link ServerSourceSupport} (which applies the removal delay and
 * updates the pool), skipped nodes are logged once, a missing path keeps the pool as it is and is watched
 * until created, a failed read is tried again. Its fields are the thread's own.
 */
final class PathSync implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PathSync.class);

    private final String label;
    private final PathReader reader;
    private final MultiPool<?> pool;
    private final CuratorFramework client;
    private final ServerSourceSupport support;
    private SyncScheduler scheduler;
    /** Stops the source from inside, saying why. */
    private final Consumer<String> stopSource;

    private Map<String, String> badNodes = Map.of();
    private Map<String, String> leftOutNodes = Map.of();
    private boolean pathMissingLogged;
    private String lastFailureLogged;

    PathSync(String label, PathReader reader, MultiPool<?> pool, CuratorFramework client, ServerSourceSupport support,
             Consumer<String> stopSource) {
        this.label = label;
        this.reader = reader;
        this.pool = pool;
        this.client = client;
        this.support = support;
        this.stopSource = stopSource;
    }

    /** The scheduler that runs this (made after it: each needs the other). */
    void runBy(SyncScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void run() {
        if (support.closed()) {
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
        Optional<Duration> nextRemoval;
        try {
            nextRemoval = support.answered(read.servers, read.notServing, read.skipped());
        } catch (PoolClosedException e) {
            stopSource.accept("the pool was closed");
            return;
        }
        scheduler.readIn(nextRemoval.map(Duration::toNanos).orElse(-1L));
        scheduler.succeeded();
        badNodes = logSkipped(read.bad, badNodes, true);
        leftOutNodes = logSkipped(read.leftOut, leftOutNodes, false);
        pathMissingLogged = false;
        lastFailureLogged = null;
        log.debug("{}: {} node(s), {} server(s) listed", label, read.nodes, read.servers.size());
    }

    /** Logs the nodes skipped for a new reason, each once: at WARN when they do not parse, else at INFO. */
    private Map<String, String> logSkipped(Map<String, String> now, Map<String, String> before, boolean warn) {
        for (Map.Entry<String, String> node : now.entrySet()) {
            if (!node.getValue().equals(before.get(node.getKey()))) {
                String path = ZKPaths.makePath(reader.path, node.getKey());
                if (warn) {
                    log.warn("{}: skipped node {}: {}", label, path, node.getValue());
                } else {
                    log.info("{}: instance {} is not a server now: {}", label, path, node.getValue());
                }
            }
        }
        return now;
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
        support.failed("path " + reader.path + " does not exist; the pool keeps its servers until it is created");
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
        support.failed(message);
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
