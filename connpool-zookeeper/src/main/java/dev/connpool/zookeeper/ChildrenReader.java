package dev.connpool.zookeeper;

import java.util.List;

import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.zookeeper.Watcher;

import dev.connpool.ServerAddress;

/** The {@link DiscoveryFormat#CHILDREN} format: each child of the path is named {@code host:port}. */
final class ChildrenReader extends PathReader {

    ChildrenReader(WatcherRemoveCuratorFramework watching, Watcher watcher, String path) {
        super(watching, watcher, path);
    }

    @Override
    PathRead read() throws Exception {
        List<String> children = children();
        if (children == null) {
            return null;
        }
        PathRead read = new PathRead(children.size());
        for (String child : children) {
            try {
                read.servers.add(ServerAddress.parse(child));
            } catch (IllegalArgumentException e) {
                read.bad.put(child, e.getMessage());
            }
        }
        return read;
    }
}
