package dev.connpool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the server of one borrow attempt from the members' snapshot of servers a borrow may use
 * ({@link ServerMembers#lends}): the balancer's choice, unless this call tried it already (failover) or it is a
 * probing server whose trial another borrower runs (probing servers are offered only when trials are by lease,
 * see {@link ConnectionFactory#probeIsRoundTrip}). Two kinds of pick do not always stand, and the balancer picks again ({@link #pickAgain}):
 * <ul>
 *   <li>a <b>ramping</b> server's, only as often as its slow start allows ({@link SlowStart});</li>
 *   <li>a <b>failing</b> server's: one that accepts borrows with at least {@code ejection.consecutive-failures}
 *       failures in a row, kept in only by the {@code ejection.max-percent} cap (not usable, see
 *       {@link ServerStats#isUsable}). Its pick stands only while no server below the threshold can be had, or
 *       as its <em>try</em>: once its last failure is {@code ejection.base-time} old (the time it would have been
 *       out, had it been ejected), one pick claims the try ({@link ServerEntry#claimFailingTry}, which moves
 *       that time to now) and stands; the others keep waiting. A try that succeeds ends the streak (the server
 *       is usable again); one that fails starts the wait again. So a capped server proves it recovered within
 *       about base-time even with {@code health-check.interval} 0, one call at a time, never a wave (least-latency
 *       picks it only once its failures' penalty has decayed below the others' cost, see {@link LatencyEstimate}:
 *       later than base-time when {@code least-latency.decay} is long). With a round-trip probe and health probes
 *       on, the try is the health probe's instead: no caller's pick of it stands while another server can be
 *       had, and a passed probe makes it usable again within {@code health-check.interval}.</li>
 * </ul>
 * A pick of a <b>full</b> server (max-active leases out, so its borrow would wait) gets one more draw, taken when
 * it has room ({@link #roomier}). When no server fails, what the second check costs a pick is one volatile read of the picked server's
 * failures; the clock is read only for a failing one. With trials by lease, a {@code PROBING} server is failing
 * too until its trial passes (its failures are cleared then): one whose ejection just ended failed at least
 * base-time ago, so its try is due at once and the pick that claims it takes the trial permit. One whose trial
 * failed while the cap kept it from a new ejection is {@code ACTIVE} again, failing, and waits for its try like
 * any failing server ({@link ServerRegistry}). Key affinity ({@link AffinityRouter}) and
 * pinned calls do not come here: they go where the key goes. Lock-free.
 */
final class ServerPicker {

    private final ServerMembers members;
    private final Balancer balancer;
    private final PoolErrors errors;
    private final SlowStart slowStart;
    private final NanoClock clock;
    /** {@code ejection.consecutive-failures}: from that many failures in a row, a server is failing. */
    private final int failureLimit;
    /** {@code ejection.base-time}: how long a failing server waits, after its last failure, for a try. */
    private final long failingWaitNanos;
    /** {@code max-active}: a server with that many leases out is full, and a borrow of it would wait. */
    private final int maxActive;
    /**
     * Whether a failing server's try is the health probe's alone: with a round-trip probe
     * ({@link ConnectionFactory#probeIsRoundTrip}) and health probes on, a passed probe clears its failures
     * ({@link ServerRegistry#probePassed}), so no caller need spend a read timeout on a server that may still hang.
     */
    private final boolean probesTryFailing;

    /**
     * @param healthProbes whether health probes run ({@code health-check.interval} above zero); with trials that
     *                     are not by lease (a round-trip probe) they give a failing server its try, not a borrower
     */
    ServerPicker(ServerMembers members, SlowStart slowStart, Balancer balancer, PoolErrors errors,
                 EjectionSettings ejection, int maxActive, NanoClock clock, boolean healthProbes) {
        this.probesTryFailing = healthProbes && !members.trialsByLease();
        this.members = members;
        this.balancer = balancer;
        this.errors = errors;
        this.slowStart = slowStart;
        this.clock = clock;
        this.failureLimit = ejection.consecutiveFailures();
        this.failingWaitNanos = ejection.baseTime().toNanos();
        this.maxActive = maxActive;
    }

    /**
     * Picks a server for one borrow attempt: the balancer's choice when its pick stands and it was not tried
     * yet in this borrow, else the first untried one from a random start (one that is not failing first),
     * else any that accepts borrows. A {@code PROBING} server is taken only with its trial permit, which the
     * caller then owns.
     *
     * @return the server, or {@code null} when none may be used
     */
    ServerEntry pick(ServerEntry[] tried, int triedCount) {
        List<ServerEntry> candidates = members.acceptingBorrows();
        int n = candidates.size();
        if (n == 0) {
            return null;
        }
        ServerEntry first = balancer.pick(candidates);
        if (first == null) {
            throw errors.balancerPickedNothing(balancer);
        }
        if (!stands(first)) {
            first = pickAgain(candidates, first);
        }
        if (first.activeConnections() >= maxActive && n > 1) { // full: its borrow would wait for a connection
            first = roomier(candidates, first);
        }
        if (!contains(tried, triedCount, first) && admit(first)) {
            return first;
        }
        return untried(candidates, tried, triedCount);
    }

    /**
     * The slow path of {@link #pick}, after a failure or when a probing server is busy: the first untried
     * server from a random start (one that is not failing first), else any that accepts borrows.
     */
    private ServerEntry untried(List<ServerEntry> candidates, ServerEntry[] tried, int triedCount) {
        int n = candidates.size();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (!failing(e) && !contains(tried, triedCount, e) && admit(e)) {
                return e;
            }
        }
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (!contains(tried, triedCount, e) && admit(e)) {
                return e;
            }
        }
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (admit(e)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Whether the balancer's pick stands: a ramping server's as often as its slow start allows, a failing
     * server's only as its try (see the class comment). Costs one volatile read of its failures (and the
     * ramping count) unless it ramps or fails.
     */
    private boolean stands(ServerEntry e) {
        return (!slowStart.anyRamping() || slowStart.admits(e)) && (e.failures() < failureLimit || mayTry(e));
    }

    /**
     * A failing server's pick stands: its try is due (base-time since its last failure) and this pick claims it;
     * never when health probes that prove an answer give it its try.
     */
    private boolean mayTry(ServerEntry e) {
        if (probesTryFailing) {
            return false;
        }
        long last = e.lastFailureNanos();
        long now = clock.nanoTime();
        return now - last >= failingWaitNanos && e.claimFailingTry(last, now);
    }

    /** A streak of failures at the ejection threshold, though it accepts borrows: kept in by the cap (no clock read). */
    private boolean failing(ServerEntry e) {
        return e.failures() >= failureLimit && e.state().acceptsBorrows();
    }

    /**
     * The balancer's pick does not stand (a ramping server, see {@link SlowStart#admits}, or a failing one
     * whose try is not due): the balancer picks again, twice at most; then the first server that neither ramps
     * nor fails, from a random start; else, when the first pick fails, a ramping one; else the first pick after
     * all (every server fails: calls still try them).
     */
    private ServerEntry pickAgain(List<ServerEntry> candidates, ServerEntry first) {
        for (int i = 0; i < 2; i++) {
            ServerEntry again = balancer.pick(candidates);
            if (again != null && again != first && stands(again)) {
                return again;
            }
        }
        int n = candidates.size();
        int start = ThreadLocalRandom.current().nextInt(n);
        ServerEntry rampingOne = null;
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (!failing(e)) {
                if (!e.ramping()) {
                    return e;
                }
                if (rampingOne == null && failing(first)) {
                    rampingOne = e; // better a ramping server than a failing one
                }
            }
        }
        return rampingOne != null ? rampingOne : first;
    }

    /**
     * The balancer's pick is full (max-active leases out): the balancer picks once more, and that pick is taken
     * when it has room and stands; else the full one, and the borrow waits its turn there. Power of two choices
     * sees two servers only: a full fast one and a slow one, while the other fast one has room, is the case
     * this is for (a latency-aware pick keeps the fast one and its caller waits; round-robin and random walk into
     * full servers blindly).
     */
    private ServerEntry roomier(List<ServerEntry> candidates, ServerEntry full) {
        ServerEntry again = balancer.pick(candidates);
        return again != null && again != full && again.activeConnections() < maxActive && stands(again) ? again : full;
    }

    /** Whether a borrow may use the server now (see {@link ServerMembers#lends}): its trial permit, if it takes one, is this thread's. */
    private boolean admit(ServerEntry e) {
        return members.lends(e);
    }

    private static boolean contains(ServerEntry[] tried, int count, ServerEntry e) {
        for (int i = 0; i < count; i++) {
            if (tried[i] == e) {
                return true;
            }
        }
        return false;
    }
}
