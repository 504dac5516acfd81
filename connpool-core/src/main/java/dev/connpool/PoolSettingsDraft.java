package dev.connpool;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The settings of a pool being built: every default, in one place (the field initialisers below), and
 * every rule, in one place ({@link #build()}, which throws {@link InvalidSettingException} naming the first
 * rule broken, with the setting, the value and the reason as fields). {@link MultiPool.Builder}'s setters
 * write here. Not thread-safe.
 */
final class PoolSettingsDraft {

    private static final AtomicInteger UNNAMED = new AtomicInteger();

    String name;
    List<ServerAddress> servers = List.of();
    int maxActive = 8;
    Integer maxIdle; // null: the same as max-active
    int minIdle = 0;
    int maxTotal = -1;
    Duration maxWait = Duration.ofSeconds(1);
    Duration idleTimeout = Duration.ofMinutes(5);
    Duration maxLifetime = Duration.ZERO;
    boolean validateOnBorrow = true;
    boolean validateWhileIdle = true;
    Balancer balancer = Balancer.leastLatency();
    int retryAttempts = 3;
    Duration backoffMin = Duration.ofMillis(10);
    Duration backoffMax = Duration.ofSeconds(1);
    double backoffFactor = 2.0;
    double backoffJitter = 0.2;
    /** Finagle's default budget: 20% of the calls, plus 10 a second, over 10 s. */
    double retryBudgetRatio = 0.2;
    int retryBudgetMinPerSecond = 10;
    Duration retryBudgetWindow = Duration.ofSeconds(10);
    int ejectionFailures = 3;
    Duration ejectionBaseTime = Duration.ofSeconds(1);
    Duration ejectionMaxTime = Duration.ofSeconds(30);
    int ejectionMaxPercent = 50;
    Duration shutdownTimeout = Duration.ofSeconds(10);
    Duration leakDetectionThreshold = Duration.ZERO;
    /** Why 10 s: see {@link MultiPool.Builder#healthCheckInterval}. */
    Duration healthCheckInterval = Duration.ofSeconds(10);
    AffinityAlgorithm affinityAlgorithm = AffinityAlgorithm.RENDEZVOUS;
    /** Why 30 s: see {@link MultiPool.Builder#affinityReturnDelay}. */
    Duration affinityReturnDelay = Duration.ofSeconds(30);
    double affinityLoadBound = 0; // off
    /** Why 2 s: see {@link MultiPool.Builder#leastLatencyDecay}. */
    Duration leastLatencyDecay = Duration.ofSeconds(2);
    /** Why 10 s: see {@link MultiPool.Builder#slowStartWindow}. */
    Duration slowStartWindow = Duration.ofSeconds(10);
    HedgeDelay hedgeDelay = HedgeDelay.off();
    boolean hedgeExecutorGiven; // not a setting: whether MultiPool.Builder#hedgeExecutor was called
    Duration housekeepingInterval; // null: derived from idle-timeout and max-lifetime; not a setting

    /**
     * Checks every rule, in the order of the settings table (docs/settings.md), and makes the settings.
     *
     * @throws InvalidSettingException naming the first setting that breaks one
     */
    PoolSettings build() {
        String pool = name != null ? name : "pool-" + UNNAMED.incrementAndGet();
        if (pool.isBlank()) {
            throw new InvalidSettingException(pool, "name", pool, "must not be blank");
        }
        Set<ServerAddress> seen = new HashSet<>();
        for (ServerAddress server : servers) {
            if (!seen.add(server)) {
                throw new InvalidSettingException(pool, "servers", server, "is listed twice");
            }
        }
        int idle = maxIdle != null ? maxIdle : maxActive;
        LimitSettings limits = limits(pool, idle);
        requireNotNegative(pool, "idle-timeout", idleTimeout);
        requireNotNegative(pool, "max-lifetime", maxLifetime);
        if (balancer == null) {
            throw new InvalidSettingException(pool, "balancer", null, "must not be null");
        }
        RetrySettings retry = retry(pool);
        EjectionSettings ejection = ejection(pool);
        requireNotNegative(pool, "shutdown-timeout", shutdownTimeout);
        requireNotNegative(pool, "leak-detection-threshold", leakDetectionThreshold);
        requireNotNegative(pool, "health-check.interval", healthCheckInterval);
        if (!healthCheckInterval.isZero() && healthCheckInterval.compareTo(PoolSettings.MIN_HOUSEKEEPING_INTERVAL) < 0) {
            throw new InvalidSettingException(pool, "health-check.interval", healthCheckInterval,
                    "must be 0 (off) or at least " + PoolSettings.MIN_HOUSEKEEPING_INTERVAL.toMillis() + " ms");
        }
        AffinitySettings affinity = affinity(pool);
        requirePositive(pool, "least-latency.decay", leastLatencyDecay);
        requireNotNegative(pool, "slow-start.window", slowStartWindow);
        HedgeSettings hedge = hedge(pool);
        Duration housekeeping = housekeepingInterval;
        if (housekeeping == null) {
            housekeeping = PoolSettings.defaultHousekeepingInterval(idleTimeout, maxLifetime);
        } else if (housekeeping.isNegative() || housekeeping.isZero()) {
            throw new InvalidSettingException(pool, "housekeeping-interval", housekeeping, "must be positive");
        }
        return new PoolSettings(pool, servers, limits, new LifetimeSettings(idleTimeout, maxLifetime),
                new ValidationSettings(validateOnBorrow, validateWhileIdle), balancer, retry, ejection,
                new ShutdownSettings(shutdownTimeout), new LeakDetectionSettings(leakDetectionThreshold),
                new HealthCheckSettings(healthCheckInterval), affinity, housekeeping,
                new LeastLatencySettings(leastLatencyDecay), new SlowStartSettings(slowStartWindow), hedge);
    }

    private HedgeSettings hedge(String pool) {
        if (hedgeDelay == null) {
            throw new InvalidSettingException(pool, "hedge.delay", null, "must not be null (off turns hedging off)");
        }
        Duration fixed = hedgeDelay.fixedDelay();
        if (fixed != null && (fixed.isNegative() || fixed.isZero())) {
            throw new InvalidSettingException(pool, "hedge.delay", hedgeDelay, "must be positive, a percentile or off");
        }
        double percentile = hedgeDelay.percentileValue();
        if (fixed == null && !hedgeDelay.isOff() && !(percentile > 0 && percentile < 100)) {
            throw new InvalidSettingException(pool, "hedge.delay", hedgeDelay,
                    "must be a percentile above p0 and below p100, such as p95");
        }
        if (!hedgeDelay.isOff() && !hedgeExecutorGiven) {
            throw new InvalidSettingException(pool, "hedge.delay", hedgeDelay,
                    "needs an executor to run the attempts on: MultiPool.Builder.hedgeExecutor(Executor)");
        }
        return new HedgeSettings(hedgeDelay);
    }

    private AffinitySettings affinity(String pool) {
        if (affinityAlgorithm == null) {
            throw new InvalidSettingException(pool, "affinity.algorithm", null, "must not be null");
        }
        requireNotNegative(pool, "affinity.return-delay", affinityReturnDelay);
        if (!(affinityLoadBound == 0 || affinityLoadBound >= 1.0 && !Double.isInfinite(affinityLoadBound))) {
            throw new InvalidSettingException(pool, "affinity.load-bound", affinityLoadBound,
                    "must be 0 (off) or a factor of at least 1.0");
        }
        return new AffinitySettings(affinityAlgorithm, affinityReturnDelay, affinityLoadBound);
    }

    private LimitSettings limits(String pool, int idle) {
        if (maxActive < 1) {
            throw new InvalidSettingException(pool, "max-active", maxActive, "must be at least 1");
        }
        if (idle < 0) {
            throw new InvalidSettingException(pool, "max-idle", idle, "must not be negative");
        }
        if (idle > maxActive) {
            throw new InvalidSettingException(pool, "max-idle", idle, "must not exceed max-active (" + maxActive + ")");
        }
        if (minIdle < 0) {
            throw new InvalidSettingException(pool, "min-idle", minIdle, "must not be negative");
        }
        if (minIdle > idle) {
            throw new InvalidSettingException(pool, "min-idle", minIdle, "must not exceed max-idle (" + idle + ")");
        }
        if (maxTotal == 0 || maxTotal < -1) {
            throw new InvalidSettingException(pool, "max-total", maxTotal, "must be -1 (no limit) or at least 1");
        }
        requireNotNegative(pool, "max-wait", maxWait);
        return new LimitSettings(maxActive, idle, minIdle, maxTotal, maxWait);
    }

    private RetrySettings retry(String pool) {
        if (retryAttempts < 1) {
            throw new InvalidSettingException(pool, "retry.attempts", retryAttempts, "must be at least 1 (1 = no retry)");
        }
        requireNotNegative(pool, "retry.backoff.min", backoffMin);
        requireNotNegative(pool, "retry.backoff.max", backoffMax);
        if (backoffMax.compareTo(backoffMin) < 0) {
            throw new InvalidSettingException(pool, "retry.backoff.max", backoffMax,
                    "must not be less than retry.backoff.min (" + backoffMin + ")");
        }
        if (!(backoffFactor >= 1.0) || Double.isInfinite(backoffFactor)) {
            throw new InvalidSettingException(pool, "retry.backoff.factor", backoffFactor, "must be at least 1.0");
        }
        if (!(backoffJitter >= 0.0 && backoffJitter <= 1.0)) {
            throw new InvalidSettingException(pool, "retry.backoff.jitter", backoffJitter, "must be between 0.0 and 1.0");
        }
        if (!(retryBudgetRatio >= 0.0 && retryBudgetRatio <= RetryBudget.MAX_RATIO)) {
            throw new InvalidSettingException(pool, "retry.budget.ratio", retryBudgetRatio,
                    "must be between 0.0 and " + RetryBudget.MAX_RATIO);
        }
        if (retryBudgetMinPerSecond < 0) {
            throw new InvalidSettingException(pool, "retry.budget.min-per-second", retryBudgetMinPerSecond,
                    "must not be negative");
        }
        requireNotNegative(pool, "retry.budget.window", retryBudgetWindow);
        if (retryBudgetWindow.compareTo(Duration.ofSeconds(1)) < 0 || retryBudgetWindow.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new InvalidSettingException(pool, "retry.budget.window", retryBudgetWindow,
                    "must be between 1 s and 60 s");
        }
        return new RetrySettings(retryAttempts, new BackoffSettings(backoffMin, backoffMax, backoffFactor, backoffJitter),
                new RetryBudgetSettings(retryBudgetRatio, retryBudgetMinPerSecond, retryBudgetWindow));
    }

    private EjectionSettings ejection(String pool) {
        if (ejectionFailures < 1) {
            throw new InvalidSettingException(pool, "ejection.consecutive-failures", ejectionFailures,
                    "must be at least 1");
        }
        requirePositive(pool, "ejection.base-time", ejectionBaseTime);
        requirePositive(pool, "ejection.max-time", ejectionMaxTime);
        if (ejectionMaxTime.compareTo(ejectionBaseTime) < 0) {
            throw new InvalidSettingException(pool, "ejection.max-time", ejectionMaxTime,
                    "must not be less than ejection.base-time (" + ejectionBaseTime + ")");
        }
        if (ejectionMaxPercent < 0 || ejectionMaxPercent > 100) {
            throw new InvalidSettingException(pool, "ejection.max-percent", ejectionMaxPercent,
                    "must be between 0 and 100");
        }
        return new EjectionSettings(ejectionFailures, ejectionBaseTime, ejectionMaxTime, ejectionMaxPercent);
    }

    private static void requireNotNegative(String pool, String key, Duration value) {
        if (value == null) {
            throw new InvalidSettingException(pool, key, null, "must not be null");
        }
        if (value.isNegative()) {
            throw new InvalidSettingException(pool, key, value, "must not be negative");
        }
    }

    private static void requirePositive(String pool, String key, Duration value) {
        requireNotNegative(pool, key, value);
        if (value.isZero()) {
            throw new InvalidSettingException(pool, key, value, "must be positive");
        }
    }
}
