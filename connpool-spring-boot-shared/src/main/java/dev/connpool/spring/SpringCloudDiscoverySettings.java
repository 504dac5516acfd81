package dev.connpool.spring;

import dev.connpool.ServerSourceSupport;
import java.time.Duration;

/**
 * One pool's {@code discovery.spring-cloud.*}, checked by {@link DiscoveryReader}.
 *
 * @param pool            the pool's name
 * @param serviceId       the service whose instances are the servers
 * @param refreshInterval how often the DiscoveryClient is read besides heartbeat events
 * @param removalDelay    how long an instance missing from the answers stays in the pool
 * @param tls             whether the pool speaks TLS ({@code true}: {@code socket.ssl-bundle}), plain text
 *                        ({@code false}: the built-in factory without one), or {@code null} when a factory bean
 *                        of the application's decides (no instance is left out for its {@code isSecure()})
 */
record SpringCloudDiscoverySettings(String pool, String serviceId, Duration refreshInterval, Duration removalDelay,
                                    Boolean tls) implements SourceSettings {

    static final String KIND = "spring-cloud";
    static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_REMOVAL_DELAY = ServerSourceSupport.DEFAULT_REMOVAL_DELAY;

    @Override
    public String kind() {
        return KIND;
    }
}
