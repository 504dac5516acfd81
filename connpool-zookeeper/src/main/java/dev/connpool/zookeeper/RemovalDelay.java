package dev.connpool.zookeeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.connpool.ServerAddress;

/**
 * Decides, read after read, which servers the pool has: every server ZooKeeper lists (an addition applies
 * at once), plus the ones it stopped listing less than the removal delay ago. A server that comes back
 * within the delay is not drained at all.
 *
 * <p>Why: a read made while the registry is briefly wrong is not the truth. When ZooKeeper stalls (a long
 * GC, a hung disk, a stopped process) or restarts, the sessions of the servers' registrations expire all
 * at once and their ephemeral nodes go; the servers register again within seconds, but a read in between
 * finds some or none of them. Curator's {@code ServiceDiscovery} also deletes and creates its instance's
 * node on every reconnection. Taking such a read as final drains healthy servers, once down to none.
 *
 * <p>A removal is due when the server has been missing for the delay <em>and</em> the delay has passed
 * since the source last (re)connected to ZooKeeper: the first reads after a reconnection or a session
 * expiry get the same grace, whatever was missing before it. A delay of zero follows ZooKeeper at once.
 *
 * <p>The first read after the source starts is taken whole: the pool's servers then were not given by the
 * source (static configuration), and are replaced at once, as they always were.
 *
 * <p>Time is the monotonic nanoseconds the caller passes in. {@link #decide} is called by the source's one
 * sync thread; {@link #reconnected} by Curator's event thread.
 */
final class RemovalDelay {

    private final long delayNanos;
    /** Servers given to the pool and not listed since: when they were first found missing. */
    private final Map<ServerAddress, Long> missingSince = new LinkedHashMap<>();
    /** What the last decision gave the pool; null before the first read. */
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

    /** The source (re)connected to ZooKeeper at {@code nanos}: no removal is due before the delay from then. */
    void reconnected(long nanos) {
        reconnectedAt = nanos;
        reconnectedOnce = true;
    }

    /**
     * What the pool should have after a read that listed {@code listed}, at {@code now}.
     *
     * @param listed the servers the read found
     * @param now    monotonic nanoseconds
     * @return the decision
     */
    Decision decide(Set<ServerAddress> listed, long now) {
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
                    missingSince.put(server, now);
                    missing.add(server);
                }
            }
        }
        List<ServerAddress> removed = new ArrayList<>();
        Set<ServerAddress> kept = new LinkedHashSet<>();
        long nextDue = -1;
        for (Iterator<Map.Entry<ServerAddress, Long>> it = missingSince.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ServerAddress, Long> entry = it.next();
            long left = nanosLeft(entry.getValue(), now);
            if (left <= 0) {
                it.remove();
                removed.add(entry.getKey());
            } else {
                kept.add(entry.getKey());
                servers.add(entry.getKey());
                nextDue = nextDue < 0 ? left : Math.min(nextDue, left);
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

    /**
     * One read's outcome.
     *
     * @param servers    what the pool is to have: the listed servers and the ones kept
     * @param kept       servers not listed, kept in the pool until their removal is due
     * @param missing    the kept ones found missing by this read (logged once)
     * @param back       servers listed again before their removal was due: not drained
     * @param removed    servers whose removal is due: drained now
     * @param nanosToNext how long until the next removal is due; negative when none is pending
     */
    record Decision(Set<ServerAddress> servers, Set<ServerAddress> kept, List<ServerAddress> missing,
                    List<ServerAddress> back, List<ServerAddress> removed, long nanosToNext) {
    }
}
