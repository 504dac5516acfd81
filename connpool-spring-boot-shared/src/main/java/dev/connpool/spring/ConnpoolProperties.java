package dev.connpool.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The {@code connpool.*} configuration: settings shared by every pool ({@code connpool.defaults}) and the
 * pools themselves ({@code connpool.pools.<name>}), each setting of a pool overriding the default. A
 * setting set nowhere takes connpool's built-in default (see docs/settings.md).
 */
@ConfigurationProperties(prefix = "connpool", ignoreUnknownFields = false)
public class ConnpoolProperties {

    /** Whether to create the configured pools at all. */
    private boolean enabled = true;

    /** Settings every pool takes unless it sets them itself (every key of a pool but its discovery). */
    @NestedConfigurationProperty
    private PoolDefaultsProperties defaults = new PoolDefaultsProperties();

    /**
     * The pools, by name; each becomes a MultiPool bean of that name. A pool takes the keys of
     * connpool.defaults, such as connpool.pools.orders.max-active; a key it does not set comes from
     * connpool.defaults, then from the built-in default.
     */
    private Map<String, PoolProperties> pools = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public PoolDefaultsProperties getDefaults() {
        return defaults;
    }

    public void setDefaults(PoolDefaultsProperties defaults) {
        this.defaults = defaults;
    }

    public Map<String, PoolProperties> getPools() {
        return pools;
    }

    public void setPools(Map<String, PoolProperties> pools) {
        this.pools = pools;
    }
}
