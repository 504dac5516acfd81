package dev.connpool.spring;

import dev.connpool.MultiPool;

/**
 * Adjusts the builder of any configured pool in code (listeners, a custom balancer, ...) after the
 * configuration has been applied. Every bean of this type is called for every pool, in
 * {@link org.springframework.core.Ordered} order.
 */
@FunctionalInterface
public interface MultiPoolBuilderCustomizer {

    /**
     * Customizes one pool's builder.
     *
     * @param poolName the pool's name (its key under {@code connpool.pools})
     * @param builder  the builder, with the configuration applied
     */
    void customize(String poolName, MultiPool.Builder<?> builder);
}
