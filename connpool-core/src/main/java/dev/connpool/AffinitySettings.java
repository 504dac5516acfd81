package dev.connpool;

import java.time.Duration;
import java.util.Objects;

/**
 * Key affinity ({@link MultiPool#serverFor(String)}, {@code borrowFor}, {@code executeFor}):
 * {@code affinity.algorithm}, {@code affinity.return-delay} and {@code affinity.load-bound}. Part of
 * {@link PoolSettings}; immutable.
 */
public final class AffinitySettings {

    private final AffinityAlgorithm algorithm;
    private final Duration returnDelay;
    private final double loadBound;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    AffinitySettings(AffinityAlgorithm algorithm, Duration returnDelay, double loadBound) {
        this.algorithm = algorithm;
        this.returnDelay = returnDelay;
        this.loadBound = loadBound;
    }

    /**
     * Returns {@code affinity.algorithm}: how keys are placed on servers.
     *
     * @return the algorithm
     */
    public AffinityAlgorithm algorithm() {
        return algorithm;
    }

    /**
     * Returns {@code affinity.return-delay}: how long a server that was out (ejected, probing, removed and
     * added again) must have been {@code ACTIVE} before its keys come back to it from their fallbacks.
     *
     * @return the value; zero for at once
     */
    public Duration returnDelay() {
        return returnDelay;
    }

    /**
     * Returns {@code affinity.load-bound}: no server takes a key's work while its leased connections, with that
     * one, would be more than this factor times the mean over the servers; the key goes to its next server.
     *
     * @return the factor, at least 1.0; 0 when off
     */
    public double loadBound() {
        return loadBound;
    }

    /**
     * Tells whether loads are bounded.
     *
     * @return whether {@link #loadBound()} is above zero
     */
    public boolean loadBounded() {
        return loadBound > 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AffinitySettings that && algorithm == that.algorithm
                && returnDelay.equals(that.returnDelay) && Double.compare(loadBound, that.loadBound) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, returnDelay, loadBound);
    }

    @Override
    public String toString() {
        return "AffinitySettings[algorithm=" + algorithm.key() + ", returnDelay=" + returnDelay + ", loadBound="
                + loadBound + "]";
    }
}
