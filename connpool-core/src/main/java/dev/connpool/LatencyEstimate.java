package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One server's latency as the least-latency balancer sees it: a peak EWMA (exponentially weighted moving
 * average) of its lease times, decaying over {@code least-latency.decay}. Kept only when the pool's
 * balancer asks for it ({@link LeastLatencyBalancer#measures(Balancer)}); other balancers pay nothing.
 *
 * <p><b>Outliers filtered:</b> a sample enters as the median of the last three (the history is forgotten when
 * the estimate went stale, see below): one outlier (a GC pause, a caller descheduled on a busy machine) moves
 * nothing, two in a row do. On loopback at 1 ms, single outliers of 2 to 5 ms are common and a plain peak
 * EWMA took equal servers' shares 10 to 30% apart.
 *
 * <p><b>Peak:</b> a filtered sample above the estimate replaces it at once (up to {@link #MAX_RISE} times it),
 * so a server that turned slow looks slow within three leases; one below it moves it by the weight of the
 * time since the last sample ({@code 1 - e^(-elapsed/decay)}), and by {@code 1 - }{@link #MAX_KEEP} at
 * least: with few samples a server that recovers looks fast again over about the decay window; under
 * traffic a peak its next samples do not confirm is gone within a few dozen leases.
 *
 * <p><b>Failures look slow, never fast:</b> a charged failure (a failed connect, an invalidated lease, a
 * {@link FailureKind#SERVER} failure, a failed trial) records a penalty: at least twice the estimate, at least
 * {@link #MIN_PENALTY_NANOS}, so a server that answers every call with a quick error loses its share rather
 * than gaining it. A discarded lease (not the server's fault as far as anyone knows) may only raise the
 * estimate: its time counts when it is above it.
 *
 * <p><b>Staleness:</b> a server nobody picks gets no samples, and its estimate would stay high for good.
 * So the balancer compares two servers as of the fresher of their last samples: the staler estimate is
 * halved for each {@link #STALE_STEPS}th of the decay window it trails by; a slow server is thus tried
 * again now and then (a 10x slower one a few times a second at the default 2 s: one lease in thousands
 * under load), and comes back into favour if it recovered. No clock is read for that. A pick made on a
 * stale estimate asks for a sample ({@link ServerEntry#wantLatencySample()}): the next lease of that server is timed whatever
 * its turn, and a sample that finds the estimate stale replaces it, history and all: one lease, not
 * eight, tells whether the server recovered.
 *
 * <p><b>Concurrency:</b> two volatile fields written without a lock; two samples that land at once may
 * lose one of them. Never blocks. A sample writes them in release mode (the stamp, then the estimate): a reader
 * that sees the new estimate sees its stamp or a later one, which is all the balancer needs, and the writer
 * waits on no fence (a volatile store's full fence, twice per sample, for an order nobody reads).
 */
final class LatencyEstimate {

    private static final VarHandle ESTIMATE;
    private static final VarHandle STAMP;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ESTIMATE = lookup.findVarHandle(LatencyEstimate.class, "estimateNanos", long.class);
            STAMP = lookup.findVarHandle(LatencyEstimate.class, "stampNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The least a charged failure makes the estimate. */
    static final long MIN_PENALTY_NANOS = 1_000_000L;
    /** The most a penalty makes the estimate (penalties double it): one minute. */
    static final long MAX_ESTIMATE_NANOS = 60_000_000_000L;
    /**
     * One lease in {@code SAMPLE_MASK + 1} of each connection is timed (its first, then every 64th): two
     * clock reads per timed lease, none for the others. Failures are always counted.
     */
    static final int SAMPLE_MASK = 63;
    /** Below this fraction of the decay since the last sample, e^-x is taken as 1 - x (off by x^2/2 at most). */
    private static final double LINEAR_BELOW = 1.0 / 64;
    /**
     * The most of the estimate a sample below it keeps: under traffic a peak that the next samples do not
     * confirm is gone within a few dozen leases, not held for the decay window (which starved a server
     * for a second after two outliers); with few samples, the decay window rules.
     */
    static final double MAX_KEEP = 7.0 / 8;
    /** A stale estimate is halved per 1/8 of the decay window it trails by. */
    static final int STALE_STEPS = 8;
    /** The most one sample multiplies the estimate by. */
    static final long MAX_RISE = 4;

    /** 1 / decay, in 1/ns: a multiplication where a division would cost more. */
    private final double perDecayNanos;
    /** A stale estimate is halved per this much it trails by: the decay window / {@link #STALE_STEPS}. */
    private final long halfLifeNanos;
    /** 1 / half-life, in 1/ns. */
    private final double perHalfLifeNanos;
    /** ejection.consecutive-failures: a streak this long makes a server failing (see {@link #recovered}). */
    private final int failingStreak;
    private volatile long estimateNanos;
    /** When the last sample landed; meaningless while {@link #estimateNanos} is 0. */
    private volatile long stampNanos;
    /** The last two samples, raw: the median filter's history. */
    private long previous;
    private long beforePrevious;
    LatencyEstimate(long decayNanos) {
        this(decayNanos, Integer.MAX_VALUE);
    }

    LatencyEstimate(long decayNanos, int failingStreak) {
        this.failingStreak = failingStreak;
        double decay = Math.max(1, decayNanos);
        this.perDecayNanos = 1 / decay;
        this.halfLifeNanos = Math.max(1, (long) (decay / STALE_STEPS));
        this.perHalfLifeNanos = 1.0 / halfLifeNanos;
    }

    /** Whether the lease of this id (a connection's lease count) is one of those timed. */
    static boolean timed(int leaseId) {
        return (leaseId & SAMPLE_MASK) == 1;
    }

    /** A lease of {@code nanos} ended normally at {@code now}. */
    void sample(long nanos, long now) {
        long raw = Math.max(0, nanos);
        long stamp = stampNanos;
        long estimate = estimateNanos;
        if (estimate == 0 || now - stamp >= halfLifeNanos) { // unmeasured or stale: this sample is all there is
            beforePrevious = raw;
            previous = raw;
            set(Math.max(1, raw), now);
            return;
        }
        long rtt = median(raw, previous, beforePrevious);
        beforePrevious = previous;
        previous = raw;
        if (rtt >= estimate) {
            set(rtt / MAX_RISE > estimate ? estimate * MAX_RISE : rtt, now);
            return;
        }
        double x = Math.max(0, now - stamp) * perDecayNanos;
        double keep = x < LINEAR_BELOW ? 1 - x : Math.exp(-x); // samples close together: e^-x ~ 1 - x
        keep = Math.min(keep, MAX_KEEP); // and each sample below moves it by 1/8 at least
        set(Math.max(1, (long) (estimate * keep + rtt * (1 - keep))), now);
    }

    /** The median of three samples; a history not there yet (0: the estimate came from a penalty) counts as {@code a}. */
    private static long median(long a, long b, long c) {
        if (b == 0) {
            return a;
        }
        if (c == 0) {
            c = a;
        }
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** A lease of {@code nanos} was discarded: it may only make the server look slower. */
    void atLeast(long nanos, long now) {
        if (nanos > estimateNanos) {
            set(Math.min(nanos, MAX_ESTIMATE_NANOS), now);
        }
    }

    /** A charged failure at {@code now}: the estimate doubles, to at least {@link #MIN_PENALTY_NANOS}. */
    void penalise(long now) {
        long estimate = estimateNanos;
        long doubled = estimate > MAX_ESTIMATE_NANOS / 2 ? MAX_ESTIMATE_NANOS : estimate * 2;
        set(Math.max(MIN_PENALTY_NANOS, doubled), now);
    }

    /**
     * A success ended a streak of {@code streak} charged failures: after a streak that made the server
     * failing, its penalties say nothing about it now, and it is measured afresh, as a re-admitted one is
     * (else the doubled penalties of a server that hung would keep it out long after it answers again).
     * Returns whether it was forgotten (the caller then asks for a sample).
     */
    boolean recovered(int streak) {
        if (streak >= failingStreak) {
            reset();
            return true;
        }
        return false;
    }

    /**
     * Forgets every sample (a server re-admitted after an ejection starts over); the caller asks for its next
     * lease to be timed ({@link ServerEntry#forgetLatency()}).
     */
    void reset() {
        estimateNanos = 0;
        previous = 0;
        beforePrevious = 0;
    }

    /** The estimate in nanoseconds; 0 while nothing was measured. */
    long nanos() {
        return estimateNanos;
    }

    /** When the last sample landed. */
    long stamp() {
        return stampNanos;
    }

    /**
     * {@code estimate} (a measured one, not 0), last sampled at {@code stamp}, as of {@code reference} (a later
     * stamp): halved per half-life it trails by, 1 at least (the balancer reads the two fields once and passes
     * them). Without a branch: an estimate turns stale a while into a run, and a branch first taken then would
     * throw away the compiled borrow that holds it (see docs/benchmarks.md).
     */
    long decayed(long estimate, long stamp, long reference) {
        long halvings = (long) (Math.max(0, reference - stamp) * perHalfLifeNanos); // 0 while less than a half-life behind
        return Math.max(1, estimate >>> Math.min(63, halvings));
    }

    private void set(long estimate, long now) {
        STAMP.setRelease(this, now); // before the estimate: a reader that sees the new estimate sees a recent stamp
        ESTIMATE.setRelease(this, estimate);
    }

    @Override
    public String toString() {
        return (estimateNanos / 1000) + " us";
    }
}
