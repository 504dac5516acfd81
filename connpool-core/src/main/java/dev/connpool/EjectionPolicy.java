package dev.connpool;

/**
 * The rules of ejection, apart from the state machine that applies them ({@link ServerRegistry}): whether
 * a failure ejects a server, for how long, how the weight of past ejections decays while the server stays
 * healthy, and how many servers may be out at once. The registry keeps each server's history (its level,
 * since when it is active) and asks; the policy keeps no state of its own and reads time from the clock it
 * was given, so it is tested with a fake one alone.
 *
 * <p>This is the seam for other failure models (issue 9) and for latency-based outlier detection in the
 * manner of gRPC's {@code OutlierDetectionLoadBalancer}, whose success-rate and failure-percentage
 * algorithms answer the same questions from windows of call results.
 */
interface EjectionPolicy {

    /**
     * Whether the failure that made a usable server's streak {@code consecutiveFailures} long ejects it. A
     * failed trial of a probing server ejects it again whatever this says.
     *
     * @param consecutiveFailures the streak, this failure included (at least 1)
     * @return whether to eject
     */
    boolean ejectsAfter(int consecutiveFailures);

    /**
     * The ejection that starts now for a server.
     *
     * @param previousLevel    the server's level after its last ejection (0: never ejected)
     * @param activeSinceNanos since when it is active (meaningless when {@code probing})
     * @param probing          whether it is on trial after an ejection: no decay, it was never healthy since
     * @return its level, length and end
     */
    Ejection nextEjection(int previousLevel, long activeSinceNanos, boolean probing);

    /**
     * How many servers failures may eject at once out of {@code servers} (draining ones not counted). An
     * operator's ejection ({@link MultiPool#eject}) ignores this cap; the never-all rule is the registry's.
     *
     * @param servers the members
     * @return the cap, from 0 to {@code servers - 1}
     */
    int maxEjected(int servers);

    /**
     * One ejection.
     *
     * @param level      its level: 1 for the first, one more for each ejection that did not decay away
     * @param nanos      its length
     * @param untilNanos when it ends, on the policy's clock
     */
    record Ejection(int level, long nanos, long untilNanos) {
    }

    /**
     * The rules of the {@code ejection.*} settings: see {@link ConsecutiveFailuresEjection}.
     *
     * @param settings the pool's settings
     * @param clock    the pool's clock
     * @return the policy
     */
    static EjectionPolicy of(PoolSettings settings, NanoClock clock) {
        return new ConsecutiveFailuresEjection(settings.ejection().consecutiveFailures(), settings.ejection().baseTime().toNanos(),
                settings.ejection().maxTime().toNanos(), settings.ejection().maxPercent(), clock);
    }
}
