package dev.connpool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the attempts of a hedged execute ({@link HedgedExecute}) find a connection without waiting for one. A
 * server is <b>open</b> to them when it is {@code ACTIVE}, neither failing (at the ejection threshold, kept in by
 * the cap) nor ramping, and has room: nobody waits for it and it has a parked connection or a free slot
 * ({@link ServerBorrower#hasRoom}).
 * <ul>
 *   <li>The <b>first attempt</b> ({@link #roomier}): when the balancer's pick is full, another open server not
 *       tried yet takes the attempt; when none is open, the pick stands and the attempt waits there as any borrow
 *       does. A hedged call does not sit out max-wait behind a full server (one whose losing attempts hold every
 *       connection) while another has room. The room is read, not taken: two calls may both see the last slot,
 *       and one of them then waits, as before.</li>
 *   <li>The <b>hedge</b> ({@link #hedge}): one attempt, on the balancer's choice among the open servers other
 *       than the one the first attempt is on, with a connection taken only if it can be had at once
 *       ({@link ServerAttempt#runAtOnce}); when that server turned full meanwhile, the next open one; when none,
 *       no hedge ({@link ServerAttempt#NO_ROOM}). The hedge never waits for a connection (the one exception: the
 *       second run on a new connection after a reused one broke, whose slot the broken one just freed). It does
 *       not fail over: its failure waits for the first attempt's outcome.</li>
 * </ul>
 * Used only by hedging pools: the unhedged path does not come here. Thread-safe (no state of its own).
 */
final class HedgeRoom<C> {

    private final ServerRegistry registry;
    private final ServerBorrower<C> borrower;
    private final ServerAttempt<C> attempt;
    private final Balancer balancer;
    /** {@code ejection.consecutive-failures}: from that many failures in a row, a server is failing. */
    private final int failureLimit;
    private final int attempts;

    HedgeRoom(ServerRegistry registry, ServerBorrower<C> borrower, ServerAttempt<C> attempt, Balancer balancer,
              int failureLimit, int attempts) {
        this.registry = registry;
        this.borrower = borrower;
        this.attempt = attempt;
        this.balancer = balancer;
        this.failureLimit = failureLimit;
        this.attempts = attempts;
    }

    /**
     * The server of a hedged call's first side's attempt: {@code picked} when it has room (or is a probing server
     * whose trial permit this thread holds: a trial always connects), else an open server not tried yet (from a
     * random start), else {@code picked}.
     */
    ServerEntry roomier(ServerEntry picked, ServerEntry[] tried, int triedCount) {
        if (picked.state() != ServerState.ACTIVE || borrower.hasRoom(picked)) {
            return picked;
        }
        List<ServerEntry> candidates = registry.usable();
        int n = candidates.size();
        int start = n == 0 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            ServerEntry e = candidates.get((start + i) % n);
            if (e != picked && !contains(tried, triedCount, e) && open(e)) {
                return e;
            }
        }
        return picked;
    }

    /** Whether a usable server other than {@code busy} exists (whether or not it has room). */
    boolean anotherServer(ServerEntry busy) {
        for (ServerEntry e : registry.usable()) {
            if (e != busy) {
                return true;
            }
        }
        return false;
    }

    /** Whether a server other than {@code busy} is open to a hedge now (a hint: see the class comment). */
    boolean anyOpen(ServerEntry busy) {
        for (ServerEntry e : registry.usable()) {
            if (e != busy && open(e)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The hedge's attempt: the work on an open server other than {@code busy}, on a connection had at once. The
     * side publishes the server it is on.
     *
     * @return the work's result, a {@link ServerAttempt.Failed}, or {@link ServerAttempt#NO_ROOM} when no server
     *         could lend a connection at once
     */
    Object hedge(ServerEntry busy, PoolCallback<C, ?> plain, ServerCallback<C, ?> told, HedgedExecute.Side side) {
        List<ServerEntry> open = new ArrayList<>();
        for (ServerEntry e : registry.usable()) {
            if (e != busy && open(e)) {
                open.add(e);
            }
        }
        while (!open.isEmpty()) {
            ServerEntry chosen = open.size() == 1 ? open.get(0) : balancer.pick(open);
            if (chosen == null || !open.contains(chosen)) {
                chosen = open.get(0); // a balancer that answers outside the list it was given: the first will do
            }
            side.current = chosen;
            Object outcome = attempt.runAtOnce(chosen, plain, told, 1, attempts);
            if (outcome != ServerAttempt.NO_ROOM) {
                return outcome;
            }
            open.remove(chosen); // full since we looked, or left the pool: the next one
        }
        return ServerAttempt.NO_ROOM;
    }

    /** Active, neither failing nor ramping, with room now. */
    private boolean open(ServerEntry e) {
        return e.state() == ServerState.ACTIVE && e.failures() < failureLimit && !e.ramping() && borrower.hasRoom(e);
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
