package dev.connpool;

import java.time.Duration;

/**
 * Exponential back-off between retries: {@code min x factor^(retry-1)}, capped at {@code max}, then
 * spread by {@code +-jitter} (a fraction) and capped again. Pure and immutable.
 */
final class Backoff {

    private final long minNanos;
    private final long maxNanos;
    private final double factor;
    private final double jitter;

    Backoff(Duration min, Duration max, double factor, double jitter) {
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
        this.factor = factor;
        this.jitter = jitter;
    }

    /**
     * Returns the pause before retry number {@code retry}.
     *
     * @param retry  1 for the pause after the first failure, 2 after the second, ...
     * @param random a number in [0, 1) that decides the jitter
     * @return the pause in nanoseconds, between 0 and max
     */
    long delayNanos(int retry, double random) {
        double delay = minNanos * Math.pow(factor, Math.max(0, retry - 1));
        delay = Math.min(delay, maxNanos);
        delay = delay * (1.0 + jitter * (2.0 * random - 1.0));
        return (long) Math.max(0.0, Math.min(delay, maxNanos));
    }

    @Override
    public String toString() {
        return "Backoff[min=" + Duration.ofNanos(minNanos) + ", max=" + Duration.ofNanos(maxNanos)
                + ", factor=" + factor + ", jitter=" + jitter + "]";
    }
}
