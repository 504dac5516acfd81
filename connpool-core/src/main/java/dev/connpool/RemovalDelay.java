package dev.connpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides, answer after answer, which servers a source gives the pool: every server the registry lists (an
 * addition applies at once), plus the ones it stopped listing less than the removal delay ago. A server
 * listed again within the delay is not drained at all.
 *
 * <p>Why: an answer given while the registry is briefly wrong is not the truth. When ZooKeeper stalls or
 * restarts, the registrations of healthy servers vanish for the seconds it takes them to register again; a
 * DNS server that answers a random subset of a large record set (Route 53's multivalue answers, Consul)
 * leaves out healthy addresses in every answer. Taking such an answer as final drains healthy servers.
 *
 * <p>A removal is due when the server has been missing for the delay <em>and</em> the delay has passed
 * since the source last became {@linkplain #reconnected reachable} again (the first answers after an outage
 * get the same grace, whatever was missing before it) <em>and</em> it was missing from at least the number
 * of answers in a row the caller asks for (1 for registries that answer with the whole set; more for DNS
 * answers that are samples). A delay of zero follows the registry at once. A server the registry says is
 * not serving (a status other than UP) is not missing: the registry said so; it is drained at once.
 *
 * <p>The first answer is taken whole: the pool's servers then were not given by the source (static
 * configuration), and are replaced at once.
 *
 * <p>Time is the monotonic nanoseconds the caller passes in. {@link #decide} is called under the source's
 * answer lock; {@link #reconnected} from any thread.
 */
final class RemovalDelay {

    private final long delayNanos;
    /** Servers given to the pool and not listed since: when they were first found missing, and in how many answers. */
    private final Map<ServerAddress, Missing> missingSince = new LinkedHashMap<>();
    /** What the last decision gave the pool; null before the first answer. */
    private Set<ServerAddress> given;
    private volatile long reconnectedAt;
    private volatile boolean reconnectedOnce;

    RemovalDelay(Duration delay) {
        this.delayNanos = saturatedNanos(delay);
    }

    /** The delay, in milliseconds. */
    long delayMillis() {
        return delayNanos / 1_000_000;
    }

    /** The source reached its registry again at {@code nanos}: no removal is due before the delay from then. */
    void reconnected(long nanos) {
        reconnectedAt = nanos;
        reconnectedOnce = true;
    }

    /** What the pool should have after an answer listing {@code listed} at {@code now}, each removal needing one answer. */
    Decision decide(Set<ServerAddress> listed, long now) {
        return decide(listed, Set.of(), now, 1);
    }

    /**
     * What the pool should have after an answer that listed {@code listed}, at {@code now}.
     *
     * @param listed        the servers the answer listed
     * @param notServing    servers the answer lists as not serving (a status other than UP): drained at once,
     *                      unless {@code listed} has them too
     * @param now           monotonic nanoseconds
     * @param answersNeeded how many answers in a row a server must be missing from before it may be drained
     * @return the decision
     */
    Decision decide(Set<ServerAddress> listed, Set<ServerAddress> notServing, long now, int answersNeeded) {
        Set<ServerAddress> servers = new LinkedHashSet<>(listed);
        List<ServerAddress> back = new ArrayList<>();
        for (Iterator<ServerAddress> it = missingSince.keySet().iterator(); it.hasNext(); ) {
            ServerAddress server = it.next();
            if (listed.contains(server)) {
                it.remove();
                back.add(server);
            }
        }
        List<ServerAddress> missing = new ArrayList<>();
        if (given != null) {
            for (ServerAddress server : given) {
                if (!listed.contains(server) && !missingSince.containsKey(server)) {
                    missingSince.put(server, new Missing(now));
                    missing.add(server);
                }
            }
        }
        List<ServerAddress> removed = new ArrayList<>();
        Set<ServerAddress> kept = new LinkedHashSet<>();
        long nextDue = -1;
        for (Iterator<Map.Entry<ServerAddress, Missing>> it = missingSince.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ServerAddress, Missing> entry = it.next();
            Missing gone = entry.getValue();
            gone.answers++;
            long left = nanosLeft(gone.since, now);
            if ((left <= 0 && gone.answers >= answersNeeded) || notServing.contains(entry.getKey())) {
                it.remove();
                removed.add(entry.getKey());
            } else {
                kept.add(entry.getKey());
                servers.add(entry.getKey());
                if (left > 0) {
                    nextDue = nextDue < 0 ? left : Math.min(nextDue, left);
                }
            }
        }
        missing.retainAll(kept);
        given = Collections.unmodifiableSet(servers);
        return new Decision(given, Collections.unmodifiableSet(kept), missing, back, removed, nextDue);
    }

    /** How long until a server missing since {@code since} is due, at {@code now}; 0 or less: due. */
    private long nanosLeft(long since, long now) {
        long from = since;
        if (reconnectedOnce) {
            long at = reconnectedAt;
            if (at - from > 0) {
                from = at;
            }
        }
        long elapsed = now - from;
        return elapsed >= delayNanos ? 0 : delayNanos - elapsed;
    }

    private static long saturatedNanos(Duration delay) {
        try {
            return delay.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** A server missing from the answers: since when, and from how many. */
    private static final class Missing {
        final long since;
        int answers;

        Missing(long since) {
            this.since = since;
        }
    }

    /**
     * One answer's outcome.
     *
     * @param servers     what the pool is to have: the listed servers and the ones kept
     * @param kept        servers not listed, kept in the pool until their removal is due
     * @param missing     the kept ones found missing by this answer (logged once)
     * @param back        servers listed again before their removal was due: not drained
     * @param removed     servers whose removal is due: drained now
     * @param nanosToNext how long until the next removal falls due by time; negative when none is pending
     */
    record Decision(Set<ServerAddress> servers, Set<ServerAddress> kept, List<ServerAddress> missing,
                    List<ServerAddress> back, List<ServerAddress> removed, long nanosToNext) {
    }
}
