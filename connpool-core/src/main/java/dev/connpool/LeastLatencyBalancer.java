package dev.connpool;

/**
 * Power of two choices over a cost: of two distinct random candidates, the one with the lower peak-EWMA
 * latency x (leased connections + 1) (see {@link LatencyEstimate}). A server not measured yet costs nothing
 * while it has no lease out and more than any measured one while it has, so a newcomer gets one lease, then
 * its measure. Equal costs (two servers not measured yet) go to the one with fewer leases, as least-active.
 *
 * <p>The latencies are the pool's, kept in its servers' entries; a candidate that is not one of them (a
 * test's, a user calling {@code pick} with candidates of its own) is judged by its leases alone.
 */
final class LeastLatencyBalancer extends TwoChoicesBalancer {

    static final LeastLatencyBalancer INSTANCE = new LeastLatencyBalancer();

    /** What an unmeasured server with leases out costs: more than any measured one. */
    private static final double UNMEASURED_BUSY = Double.MAX_VALUE;

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
            long nanosA = la.nanos();
            long nanosB = lb.nanos();
            long stampA = la.stamp();
            long stampB = lb.stamp();
            long reference = Math.max(nanosA == 0 ? Long.MIN_VALUE : stampA, nanosB == 0 ? Long.MIN_VALUE : stampB);
            double costA = cost(la.decayed(nanosA, stampA, reference), activeA);
            double costB = cost(lb.decayed(nanosB, stampB, reference), activeB);
            if (costA != costB) {
                return costB < costA ? b : a;
            }
        }
        return activeB < activeA ? b : a;
    }

    private static double cost(long nanos, int active) {
        if (nanos == 0) {
            return active == 0 ? 0 : UNMEASURED_BUSY;
        }
        return (double) nanos * (active + 1);
    }

    @Override
    public String name() {
        return "least-latency";
    }
}
