package dev.connpool.zookeeper;

import java.time.Duration;

import org.apache.curator.utils.PathUtils;
import org.apache.curator.utils.ZKPaths;

import dev.connpool.InvalidSettingException;
import dev.connpool.ServerSourceSupport;

/**
 * The checked settings of a {@link ZooKeeperServerSource}. {@link #check} is the one place their rules are
 * written; a bad value throws {@link InvalidDiscoverySettingException} with the setting's YAML key.
 *
 * @param path               the watched path: the children format's parent, or the curator format's
 *                           {@code <base>/<service>}
 * @param format             how servers are written under it
 * @param initialSyncTimeout how long {@code start()} waits for the first read
 * @param removalDelay       how long a server gone from ZooKeeper stays in the pool (see {@link ServerSourceSupport})
 */
record DiscoverySettings(String path, DiscoveryFormat format, Duration initialSyncTimeout, Duration removalDelay) {

    static final Duration DEFAULT_INITIAL_SYNC_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Checks the builder's values.
     *
     * @throws InvalidDiscoverySettingException naming the first bad setting
     */
    static DiscoverySettings check(String path, DiscoveryFormat format, String service, Duration initialSyncTimeout,
                                   Duration removalDelay) {
        if (path == null) {
            throw new InvalidDiscoverySettingException("path", null,
                    "is required (an absolute ZooKeeper path such as /services/cache)");
        }
        String pathProblem = pathProblem(path);
        if (pathProblem != null) {
            throw new InvalidDiscoverySettingException("path", path, pathProblem
                    + " (an absolute ZooKeeper path such as /services/cache, with no empty, '.' or '..' node names)");
        }
        String watched = path;
        if (format == DiscoveryFormat.CURATOR) {
            if (service == null || service.isBlank()) {
                throw new InvalidDiscoverySettingException("service", service,
                        "is required with format CURATOR: the name of the service under the base path " + path);
            }
            watched = ZKPaths.makePath(path, service);
            if (service.indexOf('/') >= 0 || pathProblem("/" + service) != null) {
                throw new InvalidDiscoverySettingException("service", service, "must be one ZooKeeper node name "
                        + "(no '/', not '.' or '..'), whose parent is the path " + path);
            }
        } else if (service != null) {
            throw new InvalidDiscoverySettingException("service", service,
                    "is only for format CURATOR; the format is " + format + ", which reads the servers under path");
        }
        if (initialSyncTimeout == null || initialSyncTimeout.isNegative() || initialSyncTimeout.isZero()) {
            throw new InvalidDiscoverySettingException("initial-sync-timeout", initialSyncTimeout, "must be positive");
        }
        try {
            ServerSourceSupport.checkRemovalDelay("", "removal-delay", removalDelay); // every source's one rule
        } catch (InvalidSettingException e) {
            throw new InvalidDiscoverySettingException("removal-delay", removalDelay, e.reason());
        }
        return new DiscoverySettings(watched, format, initialSyncTimeout, removalDelay);
    }

    /**
     * Why {@code path} is not a valid ZooKeeper path, or null when it is one: ZooKeeper's rules, said the
     * way a person configuring it would want to read them (Curator's own check backs them up).
     */
    static String pathProblem(String path) {
        if (!path.startsWith("/")) {
            return "a ZooKeeper path must start with '/'";
        }
        if (path.length() > 1 && path.endsWith("/")) {
            return "a ZooKeeper path must not end with '/'";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= '\u001f' || (c >= '\u007f' && c <= '\u009f')
                    || (c >= '\ud800' && c <= '\uf8ff') || (c >= '\ufff0' && c <= '\uffff')) {
                return "a ZooKeeper path must not hold the character \\u" + String.format("%04x", (int) c);
            }
        }
        if (path.length() > 1) {
            for (String node : path.substring(1).split("/", -1)) {
                if (node.isEmpty()) {
                    return "a ZooKeeper path must not have an empty node name ('//')";
                }
                if (node.equals(".") || node.equals("..")) {
                    return "a ZooKeeper path must not have a relative node name ('" + node + "')";
                }
            }
        }
        try {
            PathUtils.validatePath(path);
            return null;
        } catch (IllegalArgumentException e) {
            return "not a ZooKeeper path: " + e.getMessage();
        }
    }
}
