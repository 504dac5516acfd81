package dev.connpool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The effective settings of one pool, immutable and validated: what {@link MultiPool.Builder#build()} made
 * of the builder's values and defaults, returned by {@link MultiPool#settings()}. Grouped as the YAML keys
 * are: {@link #limits()} ({@code max-active}, {@code max-idle}, {@code min-idle}, {@code max-total},
 * {@code max-wait}), {@link #lifetime()} ({@code idle-timeout}, {@code max-lifetime}), {@link #validation()}
 * ({@code validate-*}), {@link #balancer()}, {@link #retry()} ({@code retry.attempts},
 * {@code retry.backoff.*}), {@link #ejection()} ({@code ejection.*}), {@link #shutdown()}
 * ({@code shutdown-timeout}), {@link #leakDetection()} ({@code leak-detection-threshold}) and
 * {@link #healthCheck()} ({@code health-check.interval}), {@link #affinity()} ({@code affinity.*}),
 * {@link #leastLatency()} ({@code least-latency.decay}), {@link #slowStart()} ({@code slow-start.window}) and
 * {@link #hedge()} ({@code hedge.*}); the retry budget is in {@link #retry()} ({@code retry.budget.*}). Each setting
 * is declared once, here; its default and its rules are in one place too (the builder's draft, which
 * throws {@link InvalidSettingException} naming the first rule broken). Only the builder makes one.
 */
public final class PoolSettings {

    /** The longest pause between two housekeeping runs (idle eviction, lifetime, min-idle refill). */
    static final Duration MAX_HOUSEKEEPING_INTERVAL = Duration.ofSeconds(30);
    /** The shortest pause between two housekeeping runs. */
    static final Duration MIN_HOUSEKEEPING_INTERVAL = Duration.ofMillis(10);

    private final String name;
    private final List<ServerAddress> servers;
    private final LimitSettings limits;
    private final LifetimeSettings lifetime;
    private final ValidationSettings validation;
    private final Balancer balancer;
    private final RetrySettings retry;
    private final EjectionSettings ejection;
    private final ShutdownSettings shutdown;
    private final LeakDetectionSettings leakDetection;
    private final HealthCheckSettings healthCheck;
    private final AffinitySettings affinity;
    private final HedgeSettings hedge;
    private final Duration housekeepingInterval;
    private final LeastLatencySettings leastLatency;
    private final SlowStartSettings slowStart;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    @SuppressWarnings("java:S107") // one parameter per group of settings
    PoolSettings(String name, List<ServerAddress> servers, LimitSettings limits, LifetimeSettings lifetime,
                 ValidationSettings validation, Balancer balancer, RetrySettings retry, EjectionSettings ejection,
                 ShutdownSettings shutdown, LeakDetectionSettings leakDetection, HealthCheckSettings healthCheck,
                 AffinitySettings affinity, Duration housekeepingInterval, LeastLatencySettings leastLatency,
                 SlowStartSettings slowStart, HedgeSettings hedge) {
        this.name = name;
        this.servers = List.copyOf(servers);
        this.limits = limits;
        this.lifetime = lifetime;
        this.validation = validation;
        this.balancer = balancer;
        this.retry = retry;
        this.ejection = ejection;
        this.shutdown = shutdown;
        this.leakDetection = leakDetection;
        this.healthCheck = healthCheck;
        this.affinity = affinity;
        this.hedge = hedge;
        this.housekeepingInterval = housekeepingInterval;
        this.leastLatency = leastLatency;
        this.slowStart = slowStart;
    }

    /**
     * Returns the pool's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns {@code servers}: the servers the pool started with.
     *
     * @return an immutable list
     */
    public List<ServerAddress> servers() {
        return servers;
    }

    /**
     * Returns {@code max-active}, {@code max-idle}, {@code min-idle}, {@code max-total} and {@code max-wait}.
     *
     * @return the limits
     */
    public LimitSettings limits() {
        return limits;
    }

    /**
     * Returns {@code idle-timeout} and {@code max-lifetime}.
     *
     * @return how long connections may live
     */
    public LifetimeSettings lifetime() {
        return lifetime;
    }

    /**
     * Returns {@code validate-on-borrow} and {@code validate-while-idle}.
     *
     * @return when connections are validated
     */
    public ValidationSettings validation() {
        return validation;
    }

    /**
     * Returns {@code balancer}: how a server is picked.
     *
     * @return the balancer
     */
    public Balancer balancer() {
        return balancer;
    }

    /**
     * Returns {@code retry.*}.
     *
     * @return the retry settings, backoff included
     */
    public RetrySettings retry() {
        return retry;
    }

    /**
     * Returns {@code ejection.*}.
     *
     * @return when and for how long failing servers are ejected
     */
    public EjectionSettings ejection() {
        return ejection;
    }

    /**
     * Returns {@code shutdown-timeout}.
     *
     * @return how close() ends
     */
    public ShutdownSettings shutdown() {
        return shutdown;
    }

    /**
     * Returns {@code leak-detection-threshold}.
     *
     * @return the leak detection settings
     */
    public LeakDetectionSettings leakDetection() {
        return leakDetection;
    }

    /**
     * Returns {@code health-check.interval}.
     *
     * @return the active health checking settings
     */
    public HealthCheckSettings healthCheck() {
        return healthCheck;
    }

    /**
     * Returns {@code affinity.*}.
     *
     * @return how keys are placed on servers ({@link MultiPool#serverFor(String)})
     */
    public AffinitySettings affinity() {
        return affinity;
    }

    /**
     * Returns {@code least-latency.*}.
     *
     * @return the least-latency balancer's settings (read only with that balancer)
     */
    public LeastLatencySettings leastLatency() {
        return leastLatency;
    }

    /**
     * Returns {@code slow-start.*}.
     *
     * @return how a server that joined or came back is ramped up
     */
    public SlowStartSettings slowStart() {
        return slowStart;
    }

    /**
     * Returns {@code hedge.*}.
     *
     * @return whether and when {@link MultiPool#execute(PoolCallback)} starts a second attempt on another server
     */
    public HedgeSettings hedge() {
        return hedge;
    }

    /**
     * Returns how often idle connections are checked and min-idle refilled. Not a setting: derived from
     * idle-timeout and max-lifetime (a quarter of the shorter, within 10 ms .. 30 s).
     *
     * @return the interval
     */
    public Duration housekeepingInterval() {
        return housekeepingInterval;
    }

    /**
     * Returns every setting keyed and nested as in YAML ({@code max-active}; {@code retry} holding
     * {@code attempts} and {@code backoff}, which holds {@code min}, ...), in the order of docs/settings.md: durations
     * as {@link Duration}, the balancer as its {@linkplain Balancer#name() name}, the servers as
     * {@code host:port} texts. The pool's name and the housekeeping interval are no settings and are not in it.
     *
     * @return a new mutable map
     */
    public Map<String, Object> toMap() {
        Map<String, Object> backoff = new LinkedHashMap<>();
        backoff.put("min", retry.backoff().min());
        backoff.put("max", retry.backoff().max());
        backoff.put("factor", retry.backoff().factor());
        backoff.put("jitter", retry.backoff().jitter());
        Map<String, Object> retryMap = new LinkedHashMap<>();
        retryMap.put("attempts", retry.attempts());
        retryMap.put("backoff", backoff);
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("ratio", retry.budget().ratio());
        budget.put("min-per-second", retry.budget().minPerSecond());
        budget.put("window", retry.budget().window());
        retryMap.put("budget", budget);
        Map<String, Object> ejectionMap = new LinkedHashMap<>();
        ejectionMap.put("consecutive-failures", ejection.consecutiveFailures());
        ejectionMap.put("base-time", ejection.baseTime());
        ejectionMap.put("max-time", ejection.maxTime());
        ejectionMap.put("max-percent", ejection.maxPercent());
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("servers", servers.stream().map(ServerAddress::toString).toList());
        map.put("max-active", limits.maxActive());
        map.put("max-idle", limits.maxIdle());
        map.put("min-idle", limits.minIdle());
        map.put("max-total", limits.maxTotal());
        map.put("max-wait", limits.maxWait());
        map.put("idle-timeout", lifetime.idleTimeout());
        map.put("max-lifetime", lifetime.maxLifetime());
        map.put("validate-on-borrow", validation.onBorrow());
        map.put("validate-while-idle", validation.whileIdle());
        map.put("balancer", balancer.name());
        map.put("retry", retryMap);
        map.put("ejection", ejectionMap);
        map.put("shutdown-timeout", shutdown.timeout());
        map.put("leak-detection-threshold", leakDetection.threshold());
        Map<String, Object> healthCheckMap = new LinkedHashMap<>();
        healthCheckMap.put("interval", healthCheck.interval());
        map.put("health-check", healthCheckMap);
        Map<String, Object> affinityMap = new LinkedHashMap<>();
        affinityMap.put("algorithm", affinity.algorithm().key());
        affinityMap.put("return-delay", affinity.returnDelay());
        affinityMap.put("load-bound", affinity.loadBound());
        map.put("affinity", affinityMap);
        Map<String, Object> leastLatencyMap = new LinkedHashMap<>();
        leastLatencyMap.put("decay", leastLatency.decay());
        map.put("least-latency", leastLatencyMap);
        Map<String, Object> slowStartMap = new LinkedHashMap<>();
        slowStartMap.put("window", slowStart.window());
        map.put("slow-start", slowStartMap);
        Map<String, Object> hedgeMap = new LinkedHashMap<>();
        hedgeMap.put("delay", hedge.delay().toString());
        map.put("hedge", hedgeMap);
        return map;
    }

    /**
     * A quarter of the shorter of idle-timeout and max-lifetime, within 10 ms .. 30 s, so an idle or
     * expired connection is closed at most about 25% late.
     */
    static Duration defaultHousekeepingInterval(Duration idleTimeout, Duration maxLifetime) {
        Duration shortest = MAX_HOUSEKEEPING_INTERVAL.multipliedBy(4);
        if (!idleTimeout.isZero() && idleTimeout.compareTo(shortest) < 0) {
            shortest = idleTimeout;
        }
        if (!maxLifetime.isZero() && maxLifetime.compareTo(shortest) < 0) {
            shortest = maxLifetime;
        }
        Duration quarter = shortest.dividedBy(4);
        if (quarter.compareTo(MIN_HOUSEKEEPING_INTERVAL) < 0) {
            return MIN_HOUSEKEEPING_INTERVAL;
        }
        return quarter.compareTo(MAX_HOUSEKEEPING_INTERVAL) > 0 ? MAX_HOUSEKEEPING_INTERVAL : quarter;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PoolSettings that && name.equals(that.name) && servers.equals(that.servers)
                && limits.equals(that.limits) && lifetime.equals(that.lifetime) && validation.equals(that.validation)
                && balancer.equals(that.balancer) && retry.equals(that.retry) && ejection.equals(that.ejection)
                && shutdown.equals(that.shutdown) && leakDetection.equals(that.leakDetection)
                && healthCheck.equals(that.healthCheck) && affinity.equals(that.affinity)
                && housekeepingInterval.equals(that.housekeepingInterval) && leastLatency.equals(that.leastLatency)
                && slowStart.equals(that.slowStart) && hedge.equals(that.hedge);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, servers, limits, lifetime, validation, balancer, retry, ejection, shutdown,
                leakDetection, healthCheck, affinity, housekeepingInterval, leastLatency, slowStart, hedge);
    }

    @Override
    public String toString() {
        return "PoolSettings[name=" + name + ", servers=" + servers + ", " + limits + ", " + lifetime + ", "
                + validation + ", balancer=" + balancer.name() + ", " + retry + ", " + ejection + ", " + shutdown
                + ", " + leakDetection + ", " + healthCheck + ", " + affinity + ", housekeepingInterval=" + housekeepingInterval + ", " + leastLatency + ", " + slowStart + ", " + hedge + "]";
    }
}
