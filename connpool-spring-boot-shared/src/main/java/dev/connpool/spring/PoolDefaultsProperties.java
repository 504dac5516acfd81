package dev.connpool.spring;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The settings a pool may take from {@code connpool.defaults}: every key of a pool except its
 * {@code discovery}, which is one pool's own (see {@link PoolProperties}). Every field is nullable:
 * {@code null} means "not set here", so a pool's unset field falls back to {@code connpool.defaults}, then to
 * connpool's built-in default ({@link MergedPoolProperties} does the falling back). Each group of keys
 * ({@code retry.*}, {@code socket.*}, ...) is a class of its own ({@link RetryProperties}, {@link SocketProperties},
 * ...), nested with {@link NestedConfigurationProperty} so that the metadata and a native image's binding hints
 * reach it.
 */
public class PoolDefaultsProperties {

    /** The servers, as "host:port" or "[ipv6]:port". */
    private List<String> servers;

    /** Bean name of the ConnectionFactory to use; unset: the built-in TCP socket factory. */
    private String factory;

    /** Connections per server, leased and idle together. Default 8. */
    private Integer maxActive;

    /** Idle connections kept per server. Default: the same as max-active. */
    private Integer maxIdle;

    /** Idle connections kept open per usable server. Default 0. */
    private Integer minIdle;

    /** Connections over all servers of the pool; -1 for no limit. Default -1. */
    private Integer maxTotal;

    /** How long a borrow waits for a connection of a full server. Default 1s. */
    private Duration maxWait;

    /** Idle connections beyond min-idle are closed after this long unused; 0 for never. Default 5m. */
    private Duration idleTimeout;

    /** Connections older than this are closed when idle or returned; 0 for no limit. Default 0. */
    private Duration maxLifetime;

    /** Whether to validate a connection before lending it. Default true. */
    private Boolean validateOnBorrow;

    /** Whether to validate idle connections in the background. Default true. */
    private Boolean validateWhileIdle;

    /** How borrow() picks a server: least-latency, least-active, round-robin or random. Default least-latency. */
    private BalancerType balancer;

    /** How long close() waits for leased connections. Default 10s. */
    private Duration shutdownTimeout;

    /** A lease held longer than this is logged once as a possible leak, with its borrow's stack trace; 0 for off. Default 0. */
    private Duration leakDetectionThreshold;

    /** Retries of a failed borrow on another server. */
    @NestedConfigurationProperty
    private RetryProperties retry = new RetryProperties();

    /** When a failing server is ejected and for how long. */
    @NestedConfigurationProperty
    private EjectionProperties ejection = new EjectionProperties();

    /** Active health checking: each server probed with a new connection. */
    @NestedConfigurationProperty
    private HealthCheckProperties healthCheck = new HealthCheckProperties();

    /** Key affinity: how serverFor, borrowFor and executeFor place keys on the servers. */
    @NestedConfigurationProperty
    private AffinityProperties affinity = new AffinityProperties();

    /** Hedged execute: a second attempt on another server when the first is slow. */
    @NestedConfigurationProperty
    private HedgeProperties hedge = new HedgeProperties();

    /** The built-in TCP socket factory (used when no factory bean is named). */
    @NestedConfigurationProperty
    private SocketProperties socket = new SocketProperties();

    /** The least-latency balancer's estimate (read only with balancer least-latency). */
    @NestedConfigurationProperty
    private LeastLatencyProperties leastLatency = new LeastLatencyProperties();

    /** Slow start: a server that joins or is re-admitted ramps up to its full share. */
    @NestedConfigurationProperty
    private SlowStartProperties slowStart = new SlowStartProperties();

    public List<String> getServers() {
        return servers;
    }

    public void setServers(List<String> servers) {
        this.servers = servers;
    }

    public String getFactory() {
        return factory;
    }

    public void setFactory(String factory) {
        this.factory = factory;
    }

    public Integer getMaxActive() {
        return maxActive;
    }

    public void setMaxActive(Integer maxActive) {
        this.maxActive = maxActive;
    }

    public Integer getMaxIdle() {
        return maxIdle;
    }

    public void setMaxIdle(Integer maxIdle) {
        this.maxIdle = maxIdle;
    }

    public Integer getMinIdle() {
        return minIdle;
    }

    public void setMinIdle(Integer minIdle) {
        this.minIdle = minIdle;
    }

    public Integer getMaxTotal() {
        return maxTotal;
    }

    public void setMaxTotal(Integer maxTotal) {
        this.maxTotal = maxTotal;
    }

    public Duration getMaxWait() {
        return maxWait;
    }

    public void setMaxWait(Duration maxWait) {
        this.maxWait = maxWait;
    }

    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public Duration getMaxLifetime() {
        return maxLifetime;
    }

    public void setMaxLifetime(Duration maxLifetime) {
        this.maxLifetime = maxLifetime;
    }

    public Boolean getValidateOnBorrow() {
        return validateOnBorrow;
    }

    public void setValidateOnBorrow(Boolean validateOnBorrow) {
        this.validateOnBorrow = validateOnBorrow;
    }

    public Boolean getValidateWhileIdle() {
        return validateWhileIdle;
    }

    public void setValidateWhileIdle(Boolean validateWhileIdle) {
        this.validateWhileIdle = validateWhileIdle;
    }

    public BalancerType getBalancer() {
        return balancer;
    }

    public void setBalancer(BalancerType balancer) {
        this.balancer = balancer;
    }

    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    public Duration getLeakDetectionThreshold() {
        return leakDetectionThreshold;
    }

    public void setLeakDetectionThreshold(Duration leakDetectionThreshold) {
        this.leakDetectionThreshold = leakDetectionThreshold;
    }

    public RetryProperties getRetry() {
        return retry;
    }

    public void setRetry(RetryProperties retry) {
        this.retry = retry;
    }

    public EjectionProperties getEjection() {
        return ejection;
    }

    public void setEjection(EjectionProperties ejection) {
        this.ejection = ejection;
    }

    public HealthCheckProperties getHealthCheck() {
        return healthCheck;
    }

    public void setHealthCheck(HealthCheckProperties healthCheck) {
        this.healthCheck = healthCheck;
    }

    public AffinityProperties getAffinity() {
        return affinity;
    }

    public void setAffinity(AffinityProperties affinity) {
        this.affinity = affinity;
    }

    public HedgeProperties getHedge() {
        return hedge;
    }

    public void setHedge(HedgeProperties hedge) {
        this.hedge = hedge;
    }

    public SocketProperties getSocket() {
        return socket;
    }

    public void setSocket(SocketProperties socket) {
        this.socket = socket;
    }

    public LeastLatencyProperties getLeastLatency() {
        return leastLatency;
    }

    public void setLeastLatency(LeastLatencyProperties leastLatency) {
        this.leastLatency = leastLatency;
    }

    public SlowStartProperties getSlowStart() {
        return slowStart;
    }

    public void setSlowStart(SlowStartProperties slowStart) {
        this.slowStart = slowStart;
    }
}
