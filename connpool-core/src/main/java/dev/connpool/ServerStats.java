package dev.connpool;

import java.time.Instant;

/**
 * A snapshot of one server of a pool. The counts are read one after the other, not atomically; while
 * the pool is quiet, {@code created - destroyed == active + idle}.
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
 */
public record ServerStats(ServerAddress server, ServerState state, int active, int idle, int waiting,
                          long created, long destroyed, long borrowed, int failures, long ejections,
                          Instant ejectedUntil, int overdueLeases) {
}
