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

import dev.connpool.ServerAddress;

/**
 * The {@link DiscoveryFormat#CURATOR} format: Curator x-discovery {@code ServiceInstance} JSON in each node
 * under the service's path. The JSON is read as a tree (fields {@code address}, {@code port},
 * {@code sslPort}, {@code enabled}, {@code payload.metadata.instance_status}), so that instances whose payload
 * class this JVM does not have (Spring Cloud Zookeeper's) are read too. Each instance's data is watched, so
 * that an instance that changes its address or its status is followed.
 *
 * <p>An instance is a server only while it serves: its {@code payload.metadata.instance_status} (where
 * Spring Cloud Zookeeper keeps its status: {@code UP}, {@code OUT_OF_SERVICE}, {@code DOWN}, ...) is absent,
 * blank or {@code UP} in any case (Spring Cloud LoadBalancer's own rule), and its {@code enabled} (a Curator field Spring Cloud does not write) is not
 * {@code false}. The others are left out, at once (they did not vanish: the registry says they must not get
 * traffic), and listed in the state as skipped with why.
 *
 * <p>The port: {@code port}, or {@code sslPort} when there is no {@code port}; with {@code useSslPort} (the
 * pool speaks TLS) {@code sslPort}, or {@code port} when there is no {@code sslPort}: what Spring Cloud
 * itself does for an instance registered with an SSL port.
 */
final class CuratorInstanceReader extends PathReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean useSslPort;

    CuratorInstanceReader(WatcherRemoveCuratorFramework watching, Watcher watcher, String path, boolean useSslPort) {
        super(watching, watcher, path);
        this.useSslPort = useSslPort;
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
                Instance instance = parse(data, useSslPort);
                if (instance.notServing() == null) {
                    read.servers.add(instance.server());
                } else {
                    read.notServing.add(instance.server());
                    read.leftOut.put(id, instance.notServing());
                }
            } catch (IllegalArgumentException e) {
                read.bad.put(id, e.getMessage());
            }
        }
        return read;
    }

    /**
     * One instance: its server, and why it does not serve now.
     *
     * @param server     its address
     * @param notServing why it is left out (disabled, a status other than UP), or null when it serves
     */
    record Instance(ServerAddress server, String notServing) {
    }

    /**
     * Reads a Curator x-discovery {@code ServiceInstance}.
     *
     * @param data       the node's data
     * @param useSslPort whether the pool speaks TLS: {@code sslPort} first
     * @return the server, or why it is left out
     * @throws IllegalArgumentException saying why it is not usable
     */
    static Instance parse(byte[] data, boolean useSslPort) {
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
        JsonNode address = root.get("address");
        if (address == null || !address.isTextual() || address.textValue().isBlank()) {
            throw new IllegalArgumentException("no \"address\" in the instance JSON");
        }
        Integer port = port(root, useSslPort ? "sslPort" : "port");
        if (port == null) {
            port = port(root, useSslPort ? "port" : "sslPort");
        }
        if (port == null) {
            throw new IllegalArgumentException("neither \"port\" nor \"sslPort\" in the instance JSON");
        }
        ServerAddress server = new ServerAddress(address.textValue().strip(), port);
        JsonNode enabled = root.get("enabled");
        if (enabled != null && enabled.isBoolean() && !enabled.booleanValue()) {
            return new Instance(server, "disabled (\"enabled\": false)");
        }
        JsonNode status = root.path("payload").path("metadata").get("instance_status");
        if (status != null && !status.isNull() && !(status.isTextual() && (status.textValue().isBlank()
                || status.textValue().strip().equalsIgnoreCase("UP")))) {
            return new Instance(server, "instance_status " + (status.isTextual() ? status.textValue() : status)
                    + ", not UP");
        }
        return new Instance(server, null);
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
