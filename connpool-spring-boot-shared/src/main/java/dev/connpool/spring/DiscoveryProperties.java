package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code connpool.pools.<name>.discovery.*}: where a pool finds its servers at run time. One kind per pool
 * (ZooKeeper, DNS or Spring Cloud's {@code DiscoveryClient}); setting any key of a kind turns it on, and a pool
 * that sets keys of two kinds fails start-up. Per pool only, never under {@code connpool.defaults}.
 */
public class DiscoveryProperties {

    /** ZooKeeper discovery (needs connpool-zookeeper on the class path). */
    private Zookeeper zookeeper = new Zookeeper();

    /** DNS discovery: every A/AAAA record of a name is a server (a Kubernetes headless Service). */
    private Dns dns = new Dns();

    /** Spring Cloud discovery: the instances of a service id in the application's DiscoveryClient. */
    private SpringCloud springCloud = new SpringCloud();

    public Zookeeper getZookeeper() {
        return zookeeper;
    }

    public void setZookeeper(Zookeeper zookeeper) {
        this.zookeeper = zookeeper;
    }

    public Dns getDns() {
        return dns;
    }

    public void setDns(Dns dns) {
        this.dns = dns;
    }

    public SpringCloud getSpringCloud() {
        return springCloud;
    }

    public void setSpringCloud(SpringCloud springCloud) {
        this.springCloud = springCloud;
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

    /**
     * {@code discovery.dns.*}: the pool's servers are the addresses a DNS name resolves to (every A and AAAA
     * record), each with the same port, resolved again on an interval. Setting any of these keys on a pool
     * turns its discovery on.
     */
    public static class Dns {

        /** The name to resolve, such as "orders.shop.svc.cluster.local" (a Kubernetes headless Service). Required. Per pool only. */
        private String name;

        /** The port of every server (DNS A/AAAA records carry none), from 1 to 65535. Required. Per pool only. */
        private Integer port;

        /** How often the name is resolved again (the JVM's own DNS cache, networkaddress.cache.ttl, 30s unless set, may answer from its cache meanwhile). Default 5s. Per pool only. */
        private Duration refreshInterval;

        /** How long an address missing from the answers stays in the pool before it is drained; one answered again meanwhile stays, so answers that carry a part of the addresses each churn no connection. 0 drains at once. Default 60s. Per pool only. */
        private Duration removalDelay;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Integer getPort() {
            return port;
        }

        public void setPort(Integer port) {
            this.port = port;
        }

        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }

        public Duration getRemovalDelay() {
            return removalDelay;
        }

        public void setRemovalDelay(Duration removalDelay) {
            this.removalDelay = removalDelay;
        }
    }

    /**
     * {@code discovery.spring-cloud.*}: the pool's servers are the UP instances of a service in the
     * application's Spring Cloud DiscoveryClient (Consul, Eureka, Kubernetes, Zookeeper, the simple one),
     * read on an interval and on Spring Cloud's heartbeat events. Needs spring-cloud-commons on the class
     * path. Setting any of these keys on a pool turns its discovery on.
     */
    public static class SpringCloud {

        /** The service id whose instances are the pool's servers (the registering application's spring.application.name). Required. Per pool only. */
        private String serviceId;

        /** How often the DiscoveryClient is read besides Spring Cloud's heartbeat events (which most clients publish when their registry changes). Default 30s. Per pool only. */
        private Duration refreshInterval;

        /** How long an instance missing from the DiscoveryClient's answers stays in the pool before it is drained; one listed again meanwhile stays. An instance listed with a status other than UP leaves at once. 0 drains at once. Default 60s. Per pool only. */
        private Duration removalDelay;

        public String getServiceId() {
            return serviceId;
        }

        public void setServiceId(String serviceId) {
            this.serviceId = serviceId;
        }

        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }

        public Duration getRemovalDelay() {
            return removalDelay;
        }

        public void setRemovalDelay(Duration removalDelay) {
            this.removalDelay = removalDelay;
        }
    }
}
