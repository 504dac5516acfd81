package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code retry.backoff.*} under a pool or {@code connpool.defaults}: min x factor^(n-1), capped at max, spread
 * by +-jitter. A file of its own, nested into {@link RetryProperties}; nullable, {@code null} meaning "not set
 * here".
 */
public class BackoffProperties {

    /** The first pause. Default 10ms. */
    private Duration min;

    /** The longest pause. Default 1s. */
    private Duration max;

    /** The growth per retry, at least 1.0. Default 2.0. */
    private Double factor;

    /** The random spread, as a fraction from 0.0 to 1.0. Default 0.2. */
    private Double jitter;

    public Duration getMin() {
        return min;
    }

    public void setMin(Duration min) {
        this.min = min;
    }

    public Duration getMax() {
        return max;
    }

    public void setMax(Duration max) {
        this.max = max;
    }

    public Double getFactor() {
        return factor;
    }

    public void setFactor(Double factor) {
        this.factor = factor;
    }

    public Double getJitter() {
        return jitter;
    }

    public void setJitter(Double jitter) {
        this.jitter = jitter;
    }
}
