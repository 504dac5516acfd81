package dev.connpool.spring;

import dev.connpool.DnsResolver;
import dev.connpool.DnsServerSource;
import dev.connpool.InvalidSettingException;
import dev.connpool.MultiPool;
import dev.connpool.ServerSource;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Makes the DNS source ({@link DnsServerSource}) of each pool with {@code discovery.dns}: resolved by the
 * application's {@link DnsResolver} bean when it has exactly one (a DNS client of its own, a test's script),
 * else by the JDK's resolver. Always present: DNS discovery is connpool-core's.
 */
final class DnsPoolDiscovery implements PoolSourceFactory {

    private final ObjectProvider<DnsResolver> resolvers;

    DnsPoolDiscovery(ObjectProvider<DnsResolver> resolvers) {
        this.resolvers = resolvers;
    }

    @Override
    public String kind() {
        return DnsDiscoverySettings.KIND;
    }

    @Override
    public ServerSource create(MultiPool<?> pool, SourceSettings sourceSettings) {
        DnsDiscoverySettings settings = (DnsDiscoverySettings) sourceSettings;
        DnsServerSource.Builder builder = DnsServerSource.builder(pool, settings.name()).port(settings.port());
        if (settings.refreshInterval() != null) {
            builder.refreshInterval(settings.refreshInterval());
        }
        if (settings.removalDelay() != null) {
            builder.removalDelay(settings.removalDelay());
        }
        DnsResolver resolver = resolvers.getIfUnique();
        if (resolver != null) {
            builder.resolver(resolver);
        }
        try {
            return builder.build();
        } catch (InvalidSettingException e) { // core's rules, which DiscoveryReader checked already
            String property = PoolCreator.path(settings.pool(), e.setting());
            throw new ConnpoolConfigurationException(property, e.value(), e.reason(),
                    "Update " + property + " in your configuration (it " + e.reason() + ").", e);
        }
    }
}
