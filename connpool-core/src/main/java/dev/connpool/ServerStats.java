package dev.connpool;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one server of a pool. The counts are read one after the other, not atomically; while
 * the pool is quiet, {@code created - destroyed == active + idle}.
 *
 * <p><b>Usable</b> ({@link #usable()}) is connpool's one definition of a server that can serve a borrow now:
 * its state {@linkplain ServerState#acceptsBorrows() accepts borrows} ({@code ACTIVE} or {@code PROBING})
 * <em>and</em> it is not failing, that is it has had fewer consecutive failures than
 * {@code ejection.consecutive-failures}. The second half matters because a pool never ejects all of its
 * servers (nor more than {@code ejection.max-percent} of them): when every server refuses connections, some
 * stay {@code ACTIVE} or {@code PROBING} with a streak of failures, and they are not usable.
 * {@link PoolStats#usableServers()}, the starter's health, its {@code connpools} endpoint and the sample's
 * live page all count this.
 *
 * @param server       the server
 * @param state        its health state
 * @param active       connections lent out now
 * @param idle         connections waiting in the pool
 * @param waiting      borrowers waiting for one of its connections
 * @param created      connections opened since it joined
 * @param destroyed    connections closed since it joined
 * @param borrowed     leases handed out since it joined
 * @param failures     consecutive failures (reset by a lease closed normally)
 * @param ejections    how many times it was ejected in total
 * @param ejectedUntil when its ejection ends, or {@code null} unless {@link ServerState#EJECTED}
 * @param overdueLeases leases held longer than {@code leak-detection-threshold} (0 while it is off)
 * @param usable       whether it can serve a borrow now (see above)
 * @param history      its last state changes (at most 5), newest first, each with its cause: why it is
 *                     ejected, or failing, or back (see {@link ServerStateChange})
 */
public record ServerStats(ServerAddress server, ServerState state, int active, int idle, int waiting,
                          long created, long destroyed, long borrowed, int failures, long ejections,
                          Instant ejectedUntil, int overdueLeases, boolean usable, List<ServerStateChange> history) {

    /**
     * The definition of {@link #usable()}: the state accepts borrows and the server has had fewer
     * consecutive failures than {@code ejection.consecutive-failures}.
     *
     * @param state        its state
     * @param failures     its consecutive failures
     * @param failureLimit {@code ejection.consecutive-failures}
     * @return whether a server so placed is usable
     */
    public static boolean isUsable(ServerState state, int failures, int failureLimit) {
        return state.acceptsBorrows() && failures < failureLimit;
    }
}
