package dev.connpool.spring;

import java.time.Duration;

/**
 * The settings of one pool: every key {@code connpool.defaults} takes too ({@link PoolDefaultsProperties}),
 * plus, per pool only, whether its bean is the primary one ({@code primary}) and where the pool finds its
 * servers at run time ({@code discovery}). Every field is
 * nullable: {@code null} means "not set here", so a pool's unset field falls back to
 * {@code connpool.defaults}, then to connpool's built-in default.
 */
public class PoolProperties extends PoolDefaultsProperties {

    /**
     * Whether the pool's bean is the primary MultiPool: what an injection point without a qualifier gets when
     * there are several pools. At most one pool may be primary. Per pool only. Default false.
     */
    private Boolean primary;

    /** Where the pool finds its servers at run time (per pool only, not under connpool.defaults). */
    private Discovery discovery = new Discovery();

    public Boolean getPrimary() {
        return primary;
    }

    public void setPrimary(Boolean primary) {
        this.primary = primary;
    }

    public Discovery getDiscovery() {
        return discovery;
    }

    public void setDiscovery(Discovery discovery) {
        this.discovery = discovery;
    }

    /** {@code discovery.*}: a live server list. Set per pool, never under connpool.defaults. */
    public static class Discovery {

        /** ZooKeeper discovery (needs connpool-zookeeper on the class path). */
        private Zookeeper zookeeper = new Zookeeper();

        public Zookeeper getZookeeper() {
            return zookeeper;
        }

        public void setZookeeper(Zookeeper zookeeper) {
            this.zookeeper = zookeeper;
        }
    }

    /**
     * {@code discovery.zookeeper.*}: the pool's servers are what a ZooKeeper path holds, watched through
     * Apache Curator. Setting any of these keys on a pool turns its discovery on.
     */
    public static class Zookeeper {

        /** ZooKeeper ensemble, such as "zk1:2181,zk2:2181"; the starter then runs a Curator client of its own for the pool. Unset: the application's CuratorFramework bean. Per pool only. */
        private String connectString;

        /** The watched path: for children, the node whose children are named host:port; for curator, the x-discovery base path (Spring Cloud Zookeeper: /services). Required. Per pool only. */
        private String path;

        /** How servers are written under the path: children (nodes named host:port) or curator (Curator x-discovery ServiceInstance JSON). Default children. Per pool only. */
        private DiscoveryFormatType format;

        /** The service name under the base path; curator format only, where it is required. Per pool only. */
        private String service;

        /** Session timeout of the pool's own Curator client (with connect-string); the server may negotiate it down (to 40s with ZooKeeper's default tickTime). Default 60s. Per pool only. */
        private Duration sessionTimeout;

        /** Connection timeout of the pool's own Curator client (with connect-string), and how long start-up waits at most for ZooKeeper to be connected (either client). Default 15s. Per pool only. */
        private Duration connectionTimeout;

        /** How long a server gone from ZooKeeper stays in the pool before it is drained; one registered again meanwhile is not drained, so a ZooKeeper hiccup (sessions expired at once) drains no healthy server. The first reads after a reconnection get the same grace. 0 drains at once. Default 60s. Per pool only. */
        private Duration removalDelay;

        public String getConnectString() {
            return connectString;
        }

        public void setConnectString(String connectString) {
            this.connectString = connectString;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public DiscoveryFormatType getFormat() {
            return format;
        }

        public void setFormat(DiscoveryFormatType format) {
            this.format = format;
        }

        public String getService() {
            return service;
        }

        public void setService(String service) {
            this.service = service;
        }

        public Duration getSessionTimeout() {
            return sessionTimeout;
        }

        public void setSessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
        }

        public Duration getConnectionTimeout() {
            return connectionTimeout;
        }

        public void setConnectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = connectionTimeout;
        }

        public Duration getRemovalDelay() {
            return removalDelay;
        }

        public void setRemovalDelay(Duration removalDelay) {
            this.removalDelay = removalDelay;
        }
    }
}
