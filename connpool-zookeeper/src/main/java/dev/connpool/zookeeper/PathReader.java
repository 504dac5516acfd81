package dev.connpool.zookeeper;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;

/**
 * Reads the watched path in one {@link DiscoveryFormat}, setting one-shot watches with the source's single
 * {@link Watcher} as it goes (ZooKeeper keeps one watch per path and watcher, so reading again and again
 * does not pile them up). One subclass per format.
 */
abstract class PathReader {

    /** The client, remembering the watches set through it so that closing the source can remove them. */
    final WatcherRemoveCuratorFramework watching;
    final Watcher watcher;
    final String path;

    PathReader(WatcherRemoveCuratorFramework watching, Watcher watcher, String path) {
        this.watching = watching;
        this.watcher = watcher;
        this.path = path;
    }

    /** The reader of {@code format}. */
    static PathReader of(DiscoveryFormat format, WatcherRemoveCuratorFramework watching, Watcher watcher,
                         String path, boolean useSslPort) {
        return format == DiscoveryFormat.CURATOR
                ? new CuratorInstanceReader(watching, watcher, path, useSslPort)
                : new ChildrenReader(watching, watcher, path);
    }

    /**
     * Reads the whole path and watches it.
     *
     * @return what it holds, or null when the path does not exist
     * @throws Exception what Curator throws (connection loss, ...)
     */
    abstract PathRead read() throws Exception;

    /** The path's children, sorted, with a children watch; null when the path does not exist. */
    final List<String> children() throws Exception {
        List<String> children;
        try {
            children = watching.getChildren().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        List<String> sorted = new ArrayList<>(children);
        Collections.sort(sorted);
        return sorted;
    }

    /** Whether the path exists now; when it does not, an exists-watch tells when it is created. */
    final boolean exists() throws Exception {
        return watching.checkExists().usingWatcher(watcher).forPath(path) != null;
    }
}
