package dev.connpool.spring;

/**
 * One pool's discovery settings of one kind, as {@link DiscoveryReader} read and checked them from
 * {@code connpool.pools.<pool>.discovery.<kind>.*}, before any source exists. Holds no type of the
 * registry's library, so that it can be read (and refused) without that library on the class path.
 */
interface SourceSettings {

    /** The pool's name (its bean's name too). */
    String pool();

    /** The kind, as in the properties: {@code zookeeper}, {@code dns}, {@code spring-cloud}. */
    String kind();

    /** {@code connpool.pools.<pool>.discovery.<kind>.<key>}. */
    default String property(String key) {
        return PoolCreator.path(pool(), "discovery." + kind() + "." + key);
    }
}
