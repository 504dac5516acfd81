package dev.connpool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the server of one borrow attempt from the registry's snapshot of usable servers: the balancer's
 * choice, unless this call tried it already (failover) or it is a probing server whose trial another
 * borrower runs; a ramping server's pick stands only as often as its slow start allows ({@link SlowStart}).
 * Lock-free.
 */
final class ServerPicker {

    private final ServerRegistry registry;
    private final Balancer balancer;
    private final PoolErrors errors;
    private final SlowStart slowStart;

    ServerPicker(ServerRegistry registry, Balancer balancer, PoolErrors errors) {
        this.registry = registry;
        this.balancer = balancer;
        this.errors = errors;
        this.slowStart = registry.slowStart();
    }

    /**
     * Picks a server for one borrow attempt: the balancer's choice when it may be used and was not tried
     * yet in this borrow, else the first such server from a random start, else any usable one. A
     * {@code PROBING} server is taken only with its trial permit, which the caller then owns.
     *
     * @return the server, or {@code null} when none may be used
     */
    ServerEntry pick(ServerEntry[] tried, int triedCount) {
        List<ServerEntry> candidates = registry.usable();
        int n = candidates.size();
        if (n == 0) {
            return null;
        }
        ServerEntry first = balancer.pick(candidates);
        if (first == null) {
            throw errors.balancerPickedNothing(balancer);
        }
        if (slowStart.anyRamping() && !slowStart.admits(first)) {
            first = pickAgain(candidates, first);
        }
        if (!contains(tried, triedCount, first) && admit(first)) {
            return first;
        }
        // Slow path, after a failure or when a probing server is busy: look for an untried one.
        int start = ThreadLocalRandom.current().nextInt(n);
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
     * The balancer's pick was a ramping server whose pick does not stand (see {@link SlowStart#admits}): the
     * balancer picks again, twice at most; then any server that is not ramping, from a random start; else
     * the first pick after all.
     */
    private ServerEntry pickAgain(List<ServerEntry> candidates, ServerEntry first) {
        for (int i = 0; i < 2; i++) {
            ServerEntry again = balancer.pick(candidates);
            if (again != null && again != first && slowStart.admits(again)) {
                return again;
            }
        }
        int n = candidates.size();
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (!e.ramping()) {
                return e;
            }
        }
        return first;
    }

    /** Whether a borrow may use the server now; a probing one only with its trial permit, which this thread then holds. */
    static boolean admit(ServerEntry e) {
        ServerState state = e.state();
        return state == ServerState.ACTIVE || state == ServerState.PROBING && e.tryStartTrial();
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
