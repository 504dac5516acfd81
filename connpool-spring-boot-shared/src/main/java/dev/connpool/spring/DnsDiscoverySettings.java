package dev.connpool.spring;

import java.time.Duration;

/**
 * One pool's {@code discovery.dns.*}, checked by {@link DiscoveryReader}.
 *
 * @param pool            the pool's name
 * @param name            the DNS name whose A and AAAA records are the servers
 * @param port            the port of every server
 * @param refreshInterval how often the name is resolved again, or {@code null} for the source's default
 * @param removalDelay    how long an address missing from the answers stays, or {@code null} for the default
 */
record DnsDiscoverySettings(String pool, String name, int port, Duration refreshInterval, Duration removalDelay)
        implements SourceSettings {

    static final String KIND = "dns";

    @Override
    public String kind() {
        return KIND;
    }
}
