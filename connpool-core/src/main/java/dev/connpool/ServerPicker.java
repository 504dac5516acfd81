package dev.connpool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the server of one borrow attempt from the registry's snapshot of usable servers: the balancer's
 * choice, unless this call tried it already (failover) or it is a probing server whose trial another
 * borrower runs. Lock-free.
 */
final class ServerPicker {

    private final ServerRegistry registry;
    private final Balancer balancer;
    private final PoolErrors errors;

    ServerPicker(ServerRegistry registry, Balancer balancer, PoolErrors errors) {
        this.registry = registry;
        this.balancer = balancer;
        this.errors = errors;
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
