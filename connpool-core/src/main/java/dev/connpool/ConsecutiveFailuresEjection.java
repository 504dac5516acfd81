package dev.connpool;

/**
 * Ejection after a streak of failures, with an exponential back-off ({@code ejection.*} settings):
 * <ul>
 *   <li>the {@code consecutive-failures}-th failure in a row ejects a server;</li>
 *   <li>for {@code base-time x 2^(level-1)}, capped at {@code max-time}, where the level is one more than
 *       the server's last, less one for every {@code max-time} it has since stayed active (a probing
 *       server's does not decay: it was never healthy in between);</li>
 *   <li>never more than {@code max-percent} of the servers at once, at least one when it is above 0, and
 *       never all of them (0: never eject).</li>
 * </ul>
 */
final class ConsecutiveFailuresEjection implements EjectionPolicy {

    private final int failures;
    private final long baseNanos;
    private final long maxNanos;
    private final int maxPercent;
    private final NanoClock clock;

    ConsecutiveFailuresEjection(int failures, long baseNanos, long maxNanos, int maxPercent, NanoClock clock) {
        this.failures = failures;
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
        this.maxPercent = maxPercent;
        this.clock = clock;
    }

    @Override
    public boolean ejectsAfter(int consecutiveFailures) {
        return consecutiveFailures >= failures;
    }

    @Override
    public Ejection nextEjection(int previousLevel, long activeSinceNanos, boolean probing) {
        long now = clock.nanoTime();
        int level = (probing ? previousLevel : decayed(previousLevel, now - activeSinceNanos)) + 1;
        long nanos = lengthOf(level);
        return new Ejection(level, nanos, now + nanos);
    }

    @Override
    public int maxEjected(int servers) {
        if (maxPercent == 0 || servers < 2) {
            return 0;
        }
        int allowed = Math.max(1, servers * maxPercent / 100);
        return Math.min(allowed, servers - 1);
    }

    /** The level drops by one for every max-time the server stayed active. */
    private int decayed(int level, long healthyNanos) {
        long steps = Math.max(0, healthyNanos) / maxNanos;
        return (int) Math.max(0, level - steps);
    }

    /** base-time x 2^(level-1), capped at max-time (without overflowing). */
    private long lengthOf(int level) {
        int shift = Math.max(0, level - 1);
        if (shift >= 62 || baseNanos > (maxNanos >> shift)) {
            return maxNanos;
        }
        return Math.min(maxNanos, baseNanos << shift);
    }

    @Override
    public String toString() {
        return "ConsecutiveFailuresEjection[" + failures + " failures, " + baseNanos / 1_000_000 + ".."
                + maxNanos / 1_000_000 + " ms, max " + maxPercent + "%]";
    }
}
