package dev.connpool.spring;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One pool's settings over {@code connpool.defaults}: the one place where a pool's own value wins over the
 * shared default, used by {@link ConfiguredPools} (which factory bean) and {@link PoolCreator} (everything).
 * Remembers where each value read was set, so that a bad one is reported at its property:
 * {@code connpool.pools.<name>.<key>} or {@code connpool.defaults.<key>}. Not thread-safe; one per pool
 * creation.
 */
final class MergedPoolProperties {

    /**
     * A setting's effective value and the property it was read from.
     *
     * @param value    the pool's own value, else the default's; {@code null} when set in neither
     * @param property where it was set; the pool's own property when it was set in neither
     * @param <T>      the value's type
     */
    record Value<T>(T value, String property) {
    }

    private final String pool;
    private final PoolDefaultsProperties own;
    private final PoolDefaultsProperties defaults;
    private final Map<String, String> read = new HashMap<>();

    /**
     * @param pool     the pool's name
     * @param own      its own properties, {@code connpool.pools.<name>}
     * @param defaults {@code connpool.defaults}
     */
    MergedPoolProperties(String pool, PoolDefaultsProperties own, PoolDefaultsProperties defaults) {
        this.pool = pool;
        this.own = own;
        this.defaults = defaults;
    }

    String pool() {
        return pool;
    }

    /**
     * Reads one setting: the pool's own value, else the default's.
     *
     * @param key    its YAML key under the pool, such as {@code retry.backoff.min}
     * @param getter reads it from a properties object
     */
    <T> Value<T> get(String key, Function<PoolDefaultsProperties, T> getter) {
        T value = own == null ? null : getter.apply(own);
        String property = PoolCreator.path(pool, key);
        if (value == null && defaults != null) {
            value = getter.apply(defaults);
            if (value != null) {
                property = PoolCreator.PREFIX + ".defaults." + key;
            }
        }
        read.put(key, property);
        return new Value<>(value, property);
    }

    /**
     * Where the value of {@code key} was read from: the default's property when it came from
     * {@code connpool.defaults}, else (set on the pool, or nowhere) the pool's own.
     *
     * @param key a YAML key under the pool
     * @return the full property name
     */
    String property(String key) {
        return read.getOrDefault(key, PoolCreator.path(pool, key));
    }
}
