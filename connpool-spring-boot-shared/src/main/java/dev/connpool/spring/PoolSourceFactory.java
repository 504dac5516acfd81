package dev.connpool.spring;

import dev.connpool.MultiPool;
import dev.connpool.ServerSource;

/**
 * Makes the {@link ServerSource} of one kind of discovery for a pool. One bean per kind, each present only
 * when its library is on the class path; this interface mentions none of them, so {@link PoolCreator} can
 * ask for the factories without loading them. {@link PoolServerSources} starts, shows and closes what they
 * make, whatever the kind.
 */
interface PoolSourceFactory {

    /** The kind it makes, as {@link SourceSettings#kind()} names it. */
    String kind();

    /**
     * Checks the settings with the source library's own rules before anything is created.
     *
     * @param settings the pool's settings, of this factory's kind
     * @throws ConnpoolConfigurationException naming the property of the bad setting
     */
    default void check(SourceSettings settings) {
    }

    /**
     * Makes the pool's source, not started yet.
     *
     * @param pool     the running pool (not closed by this method, even when it fails)
     * @param settings the pool's checked settings, of this factory's kind
     * @return the source; its {@code close()} also releases whatever the factory made for it (a client)
     * @throws ConnpoolConfigurationException when the settings cannot be used (no client bean, ...)
     */
    ServerSource create(MultiPool<?> pool, SourceSettings settings);
}
