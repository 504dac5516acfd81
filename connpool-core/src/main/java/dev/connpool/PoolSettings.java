package dev.connpool;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The effective settings of one pool, immutable and validated: what {@link MultiPool.Builder#build()}
 * made of the builder's values and defaults, returned by {@link MultiPool#settings()}. Each component is
 * the setting of the same name in YAML ({@code maxActive} is {@code max-active}). Build pools with
 * {@link MultiPool#builder}; the constructor checks every rule and throws {@link InvalidSettingException}
 * naming the first one broken.
 *
 * @param name                 the pool's name
 * @param servers              the servers it started with
 * @param maxActive            connections per server
 * @param maxIdle              idle connections kept per server
 * @param minIdle              idle connections kept open per usable server
 * @param maxTotal             connections over all servers, -1 for no limit
 * @param maxWait              how long a borrow waits for a full server
 * @param idleTimeout          idle time after which connections beyond min-idle close (0: never)
 * @param maxLifetime          age after which connections close (0: never)
 * @param validateOnBorrow     whether connections are validated before they are lent
 * @param validateWhileIdle    whether idle connections are validated in the background
 * @param balancer             how a server is picked
 * @param retryAttempts        attempts per borrow, the first included
 * @param backoffMin           the first retry pause
 * @param backoffMax           the longest retry pause
 * @param backoffFactor        the growth of the pause per retry
 * @param backoffJitter        the random spread of a pause
 * @param ejectionFailures     failures in a row that eject a server
 * @param ejectionBaseTime     the first ejection's length
 * @param ejectionMaxTime      the longest ejection
 * @param ejectionMaxPercent   the most servers ejected at once, in percent
 * @param shutdownTimeout      how long close() waits for leases
 * @param leakDetectionThreshold a lease held longer than this is logged as a possible leak (0: off)
 * @param housekeepingInterval how often idle connections are checked and min-idle refilled; {@code null}
 *                             to derive it from idle-timeout and max-lifetime
 */
public record PoolSettings(
        String name,
        List<ServerAddress> servers,
        int maxActive,
        int maxIdle,
        int minIdle,
        int maxTotal,
        Duration maxWait,
        Duration idleTimeout,
        Duration maxLifetime,
        boolean validateOnBorrow,
        boolean validateWhileIdle,
        Balancer balancer,
        int retryAttempts,
        Duration backoffMin,
        Duration backoffMax,
        double backoffFactor,
        double backoffJitter,
        int ejectionFailures,
        Duration ejectionBaseTime,
        Duration ejectionMaxTime,
        int ejectionMaxPercent,
        Duration shutdownTimeout,
        Duration leakDetectionThreshold,
        Duration housekeepingInterval) {

    /** The longest pause between two housekeeping runs (idle eviction, lifetime, min-idle refill). */
    static final Duration MAX_HOUSEKEEPING_INTERVAL = Duration.ofSeconds(30);
    /** The shortest pause between two housekeeping runs. */
    static final Duration MIN_HOUSEKEEPING_INTERVAL = Duration.ofMillis(10);

    /**
     * Checks every rule.
     *
     * @throws InvalidSettingException naming the first setting that breaks one
     */
    public PoolSettings {
        servers = List.copyOf(servers);
        validate(name, servers, maxActive, maxIdle, minIdle, maxTotal, maxWait, idleTimeout, maxLifetime, balancer,
                retryAttempts, backoffMin, backoffMax, backoffFactor, backoffJitter, ejectionFailures,
                ejectionBaseTime, ejectionMaxTime, ejectionMaxPercent, shutdownTimeout);
        requireNotNegative(name, "leak-detection-threshold", leakDetectionThreshold);
        if (housekeepingInterval == null) {
            housekeepingInterval = defaultHousekeepingInterval(idleTimeout, maxLifetime);
        } else if (housekeepingInterval.isNegative() || housekeepingInterval.isZero()) {
            throw new InvalidSettingException(name, "housekeeping-interval", housekeepingInterval, "must be positive");
        }
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

    @SuppressWarnings("java:S107") // one parameter per setting: the point is to check them all in one place
    private static void validate(String name, List<ServerAddress> servers, int maxActive, int maxIdle, int minIdle,
                                 int maxTotal, Duration maxWait, Duration idleTimeout, Duration maxLifetime,
                                 Balancer balancer, int retryAttempts, Duration backoffMin, Duration backoffMax,
                                 double backoffFactor, double backoffJitter, int ejectionFailures,
                                 Duration ejectionBaseTime, Duration ejectionMaxTime, int ejectionMaxPercent,
                                 Duration shutdownTimeout) {
        if (name == null || name.isBlank()) {
            throw new InvalidSettingException(String.valueOf(name), "name", name, "must not be blank");
        }
        Set<ServerAddress> seen = new HashSet<>();
        for (ServerAddress server : servers) {
            if (!seen.add(server)) {
                throw new InvalidSettingException(name, "servers", server, "is listed twice");
            }
        }
        if (maxActive < 1) {
            throw new InvalidSettingException(name, "max-active", maxActive, "must be at least 1");
        }
        if (maxIdle < 0) {
            throw new InvalidSettingException(name, "max-idle", maxIdle, "must not be negative");
        }
        if (maxIdle > maxActive) {
            throw new InvalidSettingException(name, "max-idle", maxIdle,
                    "must not exceed max-active (" + maxActive + ")");
        }
        if (minIdle < 0) {
            throw new InvalidSettingException(name, "min-idle", minIdle, "must not be negative");
        }
        if (minIdle > maxIdle) {
            throw new InvalidSettingException(name, "min-idle", minIdle, "must not exceed max-idle (" + maxIdle + ")");
        }
        if (maxTotal == 0 || maxTotal < -1) {
            throw new InvalidSettingException(name, "max-total", maxTotal, "must be -1 (no limit) or at least 1");
        }
        requireNotNegative(name, "max-wait", maxWait);
        requireNotNegative(name, "idle-timeout", idleTimeout);
        requireNotNegative(name, "max-lifetime", maxLifetime);
        if (balancer == null) {
            throw new InvalidSettingException(name, "balancer", null, "must not be null");
        }
        if (retryAttempts < 1) {
            throw new InvalidSettingException(name, "retry.attempts", retryAttempts,
                    "must be at least 1 (1 = no retry)");
        }
        requireNotNegative(name, "retry.backoff.min", backoffMin);
        requireNotNegative(name, "retry.backoff.max", backoffMax);
        if (backoffMax.compareTo(backoffMin) < 0) {
            throw new InvalidSettingException(name, "retry.backoff.max", backoffMax,
                    "must not be less than retry.backoff.min (" + backoffMin + ")");
        }
        if (!(backoffFactor >= 1.0) || Double.isInfinite(backoffFactor)) {
            throw new InvalidSettingException(name, "retry.backoff.factor", backoffFactor, "must be at least 1.0");
        }
        if (!(backoffJitter >= 0.0 && backoffJitter <= 1.0)) {
            throw new InvalidSettingException(name, "retry.backoff.jitter", backoffJitter,
                    "must be between 0.0 and 1.0");
        }
        if (ejectionFailures < 1) {
            throw new InvalidSettingException(name, "ejection.consecutive-failures", ejectionFailures,
                    "must be at least 1");
        }
        requirePositive(name, "ejection.base-time", ejectionBaseTime);
        requirePositive(name, "ejection.max-time", ejectionMaxTime);
        if (ejectionMaxTime.compareTo(ejectionBaseTime) < 0) {
            throw new InvalidSettingException(name, "ejection.max-time", ejectionMaxTime,
                    "must not be less than ejection.base-time (" + ejectionBaseTime + ")");
        }
        if (ejectionMaxPercent < 0 || ejectionMaxPercent > 100) {
            throw new InvalidSettingException(name, "ejection.max-percent", ejectionMaxPercent,
                    "must be between 0 and 100");
        }
        requireNotNegative(name, "shutdown-timeout", shutdownTimeout);
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

    /**
     * How many servers may be ejected at once out of {@code servers} (draining ones not counted):
     * {@code max-percent} of them, at least one when the percentage is not 0, and never all of them.
     */
    int maxEjected(int servers) {
        if (ejectionMaxPercent == 0 || servers < 2) {
            return 0;
        }
        int allowed = Math.max(1, servers * ejectionMaxPercent / 100);
        return Math.min(allowed, servers - 1);
    }

    /**
     * How long a server is ejected the {@code level}-th time in a row: base-time x 2^(level-1), capped
     * at max-time.
     */
    long ejectionNanos(int level) {
        long base = ejectionBaseTime.toNanos();
        long max = ejectionMaxTime.toNanos();
        int shift = Math.max(0, level - 1);
        if (shift >= 62 || base > (max >> shift)) {
            return max;
        }
        return Math.min(max, base << shift);
    }
}
