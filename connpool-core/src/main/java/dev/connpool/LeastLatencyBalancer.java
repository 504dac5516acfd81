package dev.connpool;

/**
 * Power of two choices over latency and load: of two distinct random candidates, the one that costs less,
 * where a server's cost is its peak-EWMA latency x (leased connections + 1) (see {@link LatencyEstimate}),
 * damped in two ways so that noise moves no traffic:
 * <ul>
 *   <li><b>A band:</b> two servers whose latencies are within {@link #BAND}x of each other are equally fast;
 *       the one with fewer leases wins, as with least-active. Equal servers thus keep equal shares, however
 *       their estimates wander inside the band (scheduling noise on a busy client is 20 to 50% at 1 ms).</li>
 *   <li><b>Hysteresis:</b> outside the band the faster server wins unless its cost is more than {@link #BAND}x
 *       the slower one's, that is unless it is so much busier that the slower one answers sooner. A server
 *       10x slower thus takes traffic only when the fast ones hold 20x its leases, not at every wobble of
 *       their load.</li>
 * </ul>
 * A server not measured yet costs nothing while it has no lease out and more than any measured one while it
 * has, so a newcomer gets one lease, then its measure. An estimate goes stale (see {@link LatencyEstimate})
 * only while the server has no lease out: leases out and no sample means they are taking long (a hung server
 * holds all its connections and answers nothing), not that nobody asked; a pick made on a stale estimate asks
 * for that server's next lease to be timed. Staleness is looked at only for two servers not equal by their
 * raw estimates: decay only lowers the staler one, so two equal ones stay equal, and the pick between them
 * (the common case) reads two estimates and no stamp.
 *
 * <p>The latencies are the pool's, kept in its servers' entries; a candidate that is not one of them (a
 * test's, a user calling {@code pick} with candidates of its own) is judged by its leases alone.
 */
final class LeastLatencyBalancer extends TwoChoicesBalancer {

    static final LeastLatencyBalancer INSTANCE = new LeastLatencyBalancer();

    /** Latencies within this factor of each other are equal; a cost must be this much higher to lose. */
    static final long BAND = 2;
    /**
     * Latencies less than this apart are equal whatever their ratio: below it what separates two servers is
     * the client's own scheduling and clock, not the servers (and a pick between them stays one predictable
     * branch: a borrow of in-memory connections costs the same as least-active's).
     */
    static final long FLOOR_NANOS = 50_000;

    /** Whether a pool with this balancer must time its leases (read once, when the pool is built). */
    static boolean measures(Balancer balancer) {
        return balancer instanceof LeastLatencyBalancer;
    }

    @Override
    <S extends Candidate> S better(S a, S b) {
        int activeA = a.activeConnections();
        int activeB = b.activeConnections();
        if (a instanceof ServerEntry ea && b instanceof ServerEntry eb && ea.latency != null && eb.latency != null) {
            LatencyEstimate la = ea.latency;
            LatencyEstimate lb = eb.latency;
            long rawA = la.nanos();
            long rawB = lb.nanos();
            // the common case, decided here on the raw estimates alone; the rest (a server not measured yet, or
            // one faster than the other) in a method of its own, which keeps this one small enough to inline
            if (rawA == 0 || rawB == 0 || !equallyFast(rawA, rawB)) {
                return unequal(a, b, ea, eb, rawA, rawB, activeA, activeB);
            }
        }
        return activeB < activeA ? b : a;
    }

    /** Two servers not equally fast by their raw estimates, or one of them not measured yet. */
    private static <S extends Candidate> S unequal(S a, S b, ServerEntry ea, ServerEntry eb,
                                                  long rawA, long rawB, int activeA, int activeB) {
        if (rawA == 0 || rawB == 0) { // not measured yet: one lease, then its measure
            if (rawA != rawB) {
                return rawA == 0 ? (activeA == 0 ? a : b) : (activeB == 0 ? b : a);
            }
            return activeB < activeA ? b : a;
        }
        LatencyEstimate la = ea.latency;
        LatencyEstimate lb = eb.latency;
        long stampA = la.stamp();
        long stampB = lb.stamp();
        long reference = Math.max(stampA, stampB);
        long nanosA = activeA == 0 ? la.decayed(rawA, stampA, reference) : rawA; // leases out: not stale, busy
        long nanosB = activeB == 0 ? lb.decayed(rawB, stampB, reference) : rawB;
        boolean pickA;
        if (equallyFast(nanosA, nanosB)) { // equally fast once the staler one decayed: fewer leases wins
            pickA = activeA <= activeB;
        } else { // the faster wins unless its cost is more than BAND x the other's
            double costA = (double) nanosA * (activeA + 1);
            double costB = (double) nanosB * (activeB + 1);
            pickA = nanosA < nanosB ? costA <= costB * BAND : costB > costA * BAND;
        }
        // a pick made on a stale estimate asks for that server's next lease to be timed
        if (pickA) {
            if (nanosA != rawA) {
                ea.wantLatencySample();
            }
            return a;
        }
        if (nanosB != rawB) {
            eb.wantLatencySample();
        }
        return b;
    }

    /**
     * Whether two latencies count as equal: less than {@link #FLOOR_NANOS} apart, or within {@link #BAND}x of each
     * other. Decided first on the raw estimates, before any staleness: decay only lowers the staler of the two,
     * and only while it has no lease out, so a server equal to the other already loses nothing by being judged on
     * its leases (it has none, the fewest there are); its stale estimate is replaced when it next is timed.
     */
    private static boolean equallyFast(long nanosA, long nanosB) {
        return Math.abs(nanosA - nanosB) <= FLOOR_NANOS || nanosA <= nanosB * BAND && nanosB <= nanosA * BAND;
    }

    @Override
    public String name() {
        return "least-latency";
    }
}
