package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code health-check.*} under a pool or {@code connpool.defaults}: active health checking, so that health and
 * ejection need no traffic. A file of its own, nested into {@link PoolDefaultsProperties}; nullable,
 * {@code null} meaning "not set here".
 */
public class HealthCheckProperties {

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
