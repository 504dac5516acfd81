package dev.connpool;

import java.util.Collection;

/**
 * Where the other servers of a pool stand when one is about to be ejected: how many are members and how many
 * are ejected (against the policy's cap), whether another one can still serve (the never-all rule), and
 * which ejected one failed least recently (the next to get a chance when every server fails). Read under the
 * {@link ServerRegistry}'s lock.
 *
 * @param members            the servers, draining ones not counted
 * @param ejected            the ejected ones
 * @param otherUsable        whether a server other than the candidate accepts borrows
 * @param leastRecentlyFailed the ejected server that failed least recently, or null
 */
record EjectionRoom(int members, int ejected, boolean otherUsable, ServerEntry leastRecentlyFailed) {

    /** Counts the servers around {@code candidate}. */
    static EjectionRoom around(ServerEntry candidate, Collection<ServerEntry> servers) {
        int members = 0;
        int ejected = 0;
        boolean otherUsable = false;
        ServerEntry leastRecentlyFailed = null;
        for (ServerEntry e : servers) {
            ServerState s = e.state();
            if (s == ServerState.DRAINING) {
                continue;
            }
            members++;
            if (s == ServerState.EJECTED) {
                ejected++;
                if (leastRecentlyFailed == null || e.lastFailureNanos() - leastRecentlyFailed.lastFailureNanos() < 0) {
                    leastRecentlyFailed = e;
                }
            } else if (e != candidate) {
                otherUsable = true;
            }
        }
        return new EjectionRoom(members, ejected, otherUsable, leastRecentlyFailed);
    }
}
