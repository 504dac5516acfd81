package dev.connpool;

/**
 * Where the other servers of a pool stand when one is about to be ejected: how many are members and how many
 * are out (against the policy's cap), whether another one can still serve (the never-all rule), and
 * which ejected one failed least recently (the next to get a chance when every server fails). Read under the
 * {@link ServerRegistry}'s lock.
 *
 * <p><b>Out</b> means lent to no borrower: an ejected server, and a probing one when the pool's own trial re-admits
 * it ({@link ServerMembers#trialsByLease()} false): such a server serves nobody until its trial passes, so it
 * can no more be what keeps a pool serving than an ejected one can. With trials by lease a probing server
 * takes a borrower's lease (its trial) and counts as usable.
 *
 * @param members            the servers, draining ones not counted
 * @param ejected            the ones out: ejected, or probing with no borrower's lease as its trial
 * @param otherUsable        whether a server other than the candidate accepts borrows
 * @param leastRecentlyFailed the ejected server that failed least recently, or null
 */
record EjectionRoom(int members, int ejected, boolean otherUsable, ServerEntry leastRecentlyFailed) {

    /** Counts the members around {@code candidate}; out is what {@link ServerMembers#offers} leaves out. */
    static EjectionRoom around(ServerEntry candidate, ServerMembers servers) {
        int members = 0;
        int ejected = 0;
        boolean otherUsable = false;
        ServerEntry leastRecentlyFailed = null;
        for (ServerEntry e : servers.all()) {
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
            } else if (e != candidate) { // the candidate counts as a member only: its ejection is being decided
                if (servers.offers(s)) {
                    otherUsable = true;
                } else {
                    ejected++; // probing on the pool's own trial: out until it passes, and not one to swap in
                }
            }
        }
        return new EjectionRoom(members, ejected, otherUsable, leastRecentlyFailed);
    }
}
