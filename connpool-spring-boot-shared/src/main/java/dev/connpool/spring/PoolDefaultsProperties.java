package dev.connpool.spring;

import dev.connpool.AffinityAlgorithm;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The settings a pool may take from {@code connpool.defaults}: every key of a pool except its
 * {@code discovery}, which is one pool's own (see {@link PoolProperties}). Every field is nullable:
 * {@code null} means "not set here", so a pool's unset field falls back to {@code connpool.defaults}, then to
 * connpool's built-in default ({@link MergedPoolProperties} does the falling back).
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

    /** How borrow() picks a server: least-active, round-robin, random or least-latency. Default least-active. */
    private BalancerType balancer;

    /** How long close() waits for leased connections. Default 10s. */
    private Duration shutdownTimeout;

    /** A lease held longer than this is logged once as a possible leak, with its borrow's stack trace; 0 for off. Default 0. */
    private Duration leakDetectionThreshold;

    /** Retries of a failed borrow on another server. */
    private Retry retry = new Retry();

    /** When a failing server is ejected and for how long. */
    private Ejection ejection = new Ejection();

    /** Active health checking: each server probed with a new connection. */
    private HealthCheck healthCheck = new HealthCheck();

    /** Key affinity: how serverFor, borrowFor and executeFor place keys on the servers. */
    private Affinity affinity = new Affinity();

    /** Hedged execute: a second attempt on another server when the first is slow. */
    private Hedge hedge = new Hedge();

    /** The built-in TCP socket factory (used when no factory bean is named). */
    private Socket socket = new Socket();

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

    public Retry getRetry() {
        return retry;
    }

    public void setRetry(Retry retry) {
        this.retry = retry;
    }

    public Ejection getEjection() {
        return ejection;
    }

    public void setEjection(Ejection ejection) {
        this.ejection = ejection;
    }

    public HealthCheck getHealthCheck() {
        return healthCheck;
    }

    public void setHealthCheck(HealthCheck healthCheck) {
        this.healthCheck = healthCheck;
    }

    public Affinity getAffinity() {
        return affinity;
    }

    public void setAffinity(Affinity affinity) {
        this.affinity = affinity;
    }

    public Hedge getHedge() {
        return hedge;
    }

    public void setHedge(Hedge hedge) {
        this.hedge = hedge;
    }

    public Socket getSocket() {
        return socket;
    }

    public void setSocket(Socket socket) {
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

    /** {@code retry.*}: attempts per borrow and the pause between two. */
    public static class Retry {

        /** Attempts per borrow or execute, the first included. Default 3. */
        private Integer attempts;

        /** The pause before each retry. */
        private Backoff backoff = new Backoff();

        /** How many retries and failovers the whole pool may make. */
        private Budget budget = new Budget();

        public Integer getAttempts() {
            return attempts;
        }

        public void setAttempts(Integer attempts) {
            this.attempts = attempts;
        }

        public Backoff getBackoff() {
            return backoff;
        }

        public void setBackoff(Backoff backoff) {
            this.backoff = backoff;
        }

        public Budget getBudget() {
            return budget;
        }

        public void setBudget(Budget budget) {
            this.budget = budget;
        }
    }

    /**
     * {@code retry.budget.*}: over any window, retries, failovers and hedges stay within ratio x calls +
     * min-per-second x window; a call refused a retry fails at once.
     */
    public static class Budget {

        /** The retries (and hedges) allowed per call, over the window, such as 0.2 for 20%. Default 0.2. */
        private Double ratio;

        /** Retries allowed per second whatever the traffic (a reserve of this times the window). Default 10. */
        private Integer minPerSecond;

        /** How long a call's deposit and a retry's withdrawal count, 1s to 60s. Default 10s. */
        private Duration window;

        public Double getRatio() {
            return ratio;
        }

        public void setRatio(Double ratio) {
            this.ratio = ratio;
        }

        public Integer getMinPerSecond() {
            return minPerSecond;
        }

        public void setMinPerSecond(Integer minPerSecond) {
            this.minPerSecond = minPerSecond;
        }

        public Duration getWindow() {
            return window;
        }

        public void setWindow(Duration window) {
            this.window = window;
        }
    }

    /** {@code retry.backoff.*}: min x factor^(n-1), capped at max, spread by +-jitter. */
    public static class Backoff {

        /** The first pause. Default 10ms. */
        private Duration min;

        /** The longest pause. Default 1s. */
        private Duration max;

        /** The growth per retry, at least 1.0. Default 2.0. */
        private Double factor;

        /** The random spread, as a fraction from 0.0 to 1.0. Default 0.2. */
        private Double jitter;

        public Duration getMin() {
            return min;
        }

        public void setMin(Duration min) {
            this.min = min;
        }

        public Duration getMax() {
            return max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }

        public Double getFactor() {
            return factor;
        }

        public void setFactor(Double factor) {
            this.factor = factor;
        }

        public Double getJitter() {
            return jitter;
        }

        public void setJitter(Double jitter) {
            this.jitter = jitter;
        }
    }

    /** {@code ejection.*}: after how many failures in a row, and for how long, a server gets no traffic. */
    public static class Ejection {

        /** Failures in a row that eject a server. Default 3. */
        private Integer consecutiveFailures;

        /** The first ejection's length; it doubles with each ejection in a row. Default 1s. */
        private Duration baseTime;

        /** The longest ejection. Default 30s. */
        private Duration maxTime;

        /** The most servers ejected at once, in percent (never all). Default 50. */
        private Integer maxPercent;

        public Integer getConsecutiveFailures() {
            return consecutiveFailures;
        }

        public void setConsecutiveFailures(Integer consecutiveFailures) {
            this.consecutiveFailures = consecutiveFailures;
        }

        public Duration getBaseTime() {
            return baseTime;
        }

        public void setBaseTime(Duration baseTime) {
            this.baseTime = baseTime;
        }

        public Duration getMaxTime() {
            return maxTime;
        }

        public void setMaxTime(Duration maxTime) {
            this.maxTime = maxTime;
        }

        public Integer getMaxPercent() {
            return maxPercent;
        }

        public void setMaxPercent(Integer maxPercent) {
            this.maxPercent = maxPercent;
        }
    }

    /** {@code health-check.*}: active health checking, so that health and ejection need no traffic. */
    public static class HealthCheck {

        /**
         * How often each server is probed with a new connection (connect and validate); a failed probe ejects
         * it (within ejection.max-percent) or leaves it failing; 0 for off (passive health only). Default 10s.
         */
        private Duration interval;

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }
    }

    /** {@code affinity.*}: key affinity (MultiPool.serverFor, borrowFor, executeFor). */
    public static class Affinity {

        /**
         * How keys are placed on servers: rendezvous (O(1) picks, even shares) or ketama (the ring of libketama
         * and spymemcached's KetamaNodeLocator: the same servers, named by address, give each key the same
         * server). Either moves only the keys of a server that leaves or that a new one takes. Default rendezvous.
         */
        private AffinityAlgorithm algorithm;

        /**
         * How long a server that was out (ejected, or removed and added again) must have been ACTIVE before its
         * keys come back to it from their fallbacks, so that a flapping server moves its keys twice, not at each
         * flap; 0 for at once. Default 30s.
         */
        private Duration returnDelay;

        /**
         * Bounded loads: a key's server is passed over for the next one on the ring when its leased connections,
         * with one more, would exceed this factor times the mean over the servers (such as 1.25); 0 for off.
         * Default 0.
         */
        private Double loadBound;

        public AffinityAlgorithm getAlgorithm() {
            return algorithm;
        }

        public void setAlgorithm(AffinityAlgorithm algorithm) {
            this.algorithm = algorithm;
        }

        public Duration getReturnDelay() {
            return returnDelay;
        }

        public void setReturnDelay(Duration returnDelay) {
            this.returnDelay = returnDelay;
        }

        public Double getLoadBound() {
            return loadBound;
        }

        public void setLoadBound(Double loadBound) {
            this.loadBound = loadBound;
        }
    }

    /** {@code hedge.*}: hedged execute (for idempotent work only: every execute of the pool is hedged). */
    public static class Hedge {

        /**
         * When execute starts the same work on another server: off, a duration such as 20ms, or a percentile of
         * recent attempt latencies such as p95. Each hedge takes a token from the retry budget. Default off.
         */
        private String delay;

        /**
         * Bean name of the java.util.concurrent.Executor the attempts run on; unset: a thread per attempt, virtual
         * on Java 21 and later, daemon platform threads before.
         */
        private String executor;

        public String getDelay() {
            return delay;
        }

        public void setDelay(String delay) {
            this.delay = delay;
        }

        public String getExecutor() {
            return executor;
        }

        public void setExecutor(String executor) {
            this.executor = executor;
        }
    }

    /** {@code socket.*}: the built-in TCP factory. */
    public static class Socket {

        /** How long a connect (and a TLS handshake) may take. Default 1s. */
        private Duration connectTimeout;

        /** How long a read may block; 0 for no limit. Default 10s. */
        private Duration readTimeout;

        /** Whether to set TCP_NODELAY. Default true. */
        private Boolean tcpNoDelay;

        /** Whether to set SO_KEEPALIVE. Default true. */
        private Boolean keepAlive;

        /** Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) for TLS; unset: plain TCP. */
        private String sslBundle;

        /** The round trip that proves a server answers (re-admission trials, health probes). */
        @NestedConfigurationProperty
        private SocketProbeProperties probe = new SocketProbeProperties();

        public SocketProbeProperties getProbe() {
            return probe;
        }

        public void setProbe(SocketProbeProperties probe) {
            this.probe = probe;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public Boolean getTcpNoDelay() {
            return tcpNoDelay;
        }

        public void setTcpNoDelay(Boolean tcpNoDelay) {
            this.tcpNoDelay = tcpNoDelay;
        }

        public Boolean getKeepAlive() {
            return keepAlive;
        }

        public void setKeepAlive(Boolean keepAlive) {
            this.keepAlive = keepAlive;
        }

        public String getSslBundle() {
            return sslBundle;
        }

        public void setSslBundle(String sslBundle) {
            this.sslBundle = sslBundle;
        }
    }
}
