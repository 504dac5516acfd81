package dev.connpool.spring;

import dev.connpool.AffinityAlgorithm;
import java.time.Duration;

/**
 * {@code affinity.*} under a pool or {@code connpool.defaults}: key affinity (MultiPool.serverFor, borrowFor,
 * executeFor). A file of its own, nested into {@link PoolDefaultsProperties}; nullable, {@code null} meaning
 * "not set here".
 */
public class AffinityProperties {

    /**
     * How keys are placed on servers: rendezvous (O(1) picks, even shares) or ketama (the ring of libketama
     * and spymemcached's KetamaNodeLocator: the same servers, named by address, give each key the same
     * server). Either moves only the keys of a server that leaves or that a new one takes. Default rendezvous.
     */
    private AffinityAlgorithm algorithm;

    /**
     * How long a server that was out (ejected, or removed and added again) must have been ACTIVE before its
     * keys come back to it from their fallbacks, so that a flapping server moves its keys twice, not at each
     * flap; 0 for at once. Default 30s.
     */
    private Duration returnDelay;

    /**
     * Bounded loads: a key's server is passed over for the next one on the ring when its leased connections,
     * with one more, would exceed this factor times the mean over the servers (such as 1.25); 0 for off.
     * Default 0.
     */
    private Double loadBound;

    public AffinityAlgorithm getAlgorithm() {
        return algorithm;
    }

    public void setAlgorithm(AffinityAlgorithm algorithm) {
        this.algorithm = algorithm;
    }

    public Duration getReturnDelay() {
        return returnDelay;
    }

    public void setReturnDelay(Duration returnDelay) {
        this.returnDelay = returnDelay;
    }

    public Double getLoadBound() {
        return loadBound;
    }

    public void setLoadBound(Double loadBound) {
        this.loadBound = loadBound;
    }
}
