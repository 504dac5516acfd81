package dev.connpool.spring;

import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * The settings of one pool: every key {@code connpool.defaults} takes too ({@link PoolDefaultsProperties}),
 * plus, per pool only, whether its bean is the primary one ({@code primary}) and where the pool finds its
 * servers at run time ({@code discovery}). Every field is
 * nullable: {@code null} means "not set here", so a pool's unset field falls back to
 * {@code connpool.defaults}, then to connpool's built-in default.
 */
public class PoolProperties extends PoolDefaultsProperties {

    /**
     * Whether the pool's bean is the primary MultiPool: what an injection point without a qualifier gets when
     * there are several pools. At most one pool may be primary. Per pool only. Default false.
     */
    private Boolean primary;

    /** Where the pool finds its servers at run time (per pool only, not under connpool.defaults). */
    @NestedConfigurationProperty // a class of its own, bound (and kept for a native image) as a nested one
    private DiscoveryProperties discovery = new DiscoveryProperties();

    public Boolean getPrimary() {
        return primary;
    }

    public void setPrimary(Boolean primary) {
        this.primary = primary;
    }

    public DiscoveryProperties getDiscovery() {
        return discovery;
    }

    public void setDiscovery(DiscoveryProperties discovery) {
        this.discovery = discovery;
    }
}
