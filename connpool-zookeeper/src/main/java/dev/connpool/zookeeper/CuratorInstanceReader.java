package dev.connpool.zookeeper;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.connpool.ServerAddress;

/**
 * The {@link DiscoveryFormat#CURATOR} format: Curator x-discovery {@code ServiceInstance} JSON in each node
 * under the service's path. The JSON is read as a tree (fields {@code address}, {@code port},
 * {@code sslPort}), so that instances whose payload class this JVM does not have (Spring Cloud Zookeeper's)
 * are read too; an instance whose {@code enabled} is {@code false} is not a server, as with Curator's own
 * providers. Each instance's data is watched, so that an instance that changes its address is followed.
 */
final class CuratorInstanceReader extends PathReader {

    private static final Logger log = LoggerFactory.getLogger(CuratorInstanceReader.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    CuratorInstanceReader(WatcherRemoveCuratorFramework watching, Watcher watcher, String path) {
        super(watching, watcher, path);
    }

    @Override
    PathRead read() throws Exception {
        List<String> ids = children();
        if (ids == null) {
            return null;
        }
        PathRead read = new PathRead(ids.size());
        for (String id : ids) {
            byte[] data;
            try {
                data = watching.getData().usingWatcher(watcher).forPath(ZKPaths.makePath(path, id));
            } catch (KeeperException.NoNodeException e) {
                continue; // gone since the children were read: the children watch has fired
            }
            try {
                ServerAddress server = parse(data);
                if (server != null) {
                    read.servers.add(server);
                } else {
                    log.debug("zookeeper {}: instance {} is disabled; not a server", path, id);
                }
            } catch (IllegalArgumentException e) {
                read.bad.put(id, e.getMessage());
            }
        }
        return read;
    }

    /**
     * The server of a Curator x-discovery {@code ServiceInstance}: its address and port, or its SSL port
     * when it has no port; null when it is disabled.
     *
     * @throws IllegalArgumentException saying why it is not usable
     */
    static ServerAddress parse(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("no data (expected ServiceInstance JSON)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object (expected ServiceInstance JSON)");
        }
        JsonNode enabled = root.get("enabled");
        if (enabled != null && enabled.isBoolean() && !enabled.booleanValue()) {
            return null;
        }
        JsonNode address = root.get("address");
        if (address == null || !address.isTextual() || address.textValue().isBlank()) {
            throw new IllegalArgumentException("no \"address\" in the instance JSON");
        }
        Integer port = port(root, "port");
        if (port == null) {
            port = port(root, "sslPort");
        }
        if (port == null) {
            throw new IllegalArgumentException("neither \"port\" nor \"sslPort\" in the instance JSON");
        }
        return new ServerAddress(address.textValue().strip(), port);
    }

    private static Integer port(JsonNode root, String field) {
        JsonNode value = root.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("\"" + field + "\" is not a port number: " + value);
        }
        return value.intValue();
    }
}
