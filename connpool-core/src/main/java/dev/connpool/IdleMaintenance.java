package dev.connpool;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The upkeep of idle connections, run at a time it is given (so a test drives it with a fake clock and
 * no thread), in the manner of OkHttp's {@code RealConnectionPool.cleanup(now)}: retires what is
 * expired, idle too long (above min-idle) or invalid (with validate-while-idle), and says when it is due
 * next. It takes a server's parked connections off the stack while it looks at them, so nobody else can
 * lend, close or look at them meanwhile (an ejection or removal that closes idle connections at the same
 * time finds them gone), and gives back what stays through the return path, which hands them to waiting
 * borrowers first.
 *
 * <p>Idle time is counted from the first run that sees a connection parked: a borrow or return never reads
 * the clock for it, and an idle connection is closed at most one run later than idle-timeout.
 *
 * <p><b>Use epochs.</b> Each run advances every server's use epoch ({@link ServerEntry#useEpoch()}), so that a
 * connection's {@link PooledConnection#goodEpoch} tells, to within one run, when it was last used well. When a
 * reused connection turns out broken, {@link #retireUsedUpTo} closes the server's idle connections last used
 * no later than it: what broke it (a server restart, a reset of every connection, a NAT flush) most likely
 * broke them too, and a restart then costs one retry per server, not one per idle connection.
 */
final class IdleMaintenance<C> {

    private final long intervalNanos;
    private final long minDelayNanos;
    private final int minIdle;
    private final boolean validateWhileIdle;
    private final ServerMembers members;
    private final ConnectionLifecycle<C> lifecycle;
    private final ParkedConnections<C> parked;
    /** The return path: gives a kept connection back (to a waiter, or parked). */
    private final Consumer<PooledConnection<C>> giveBack;

    IdleMaintenance(PoolSettings settings, ServerMembers members, ConnectionLifecycle<C> lifecycle,
                    ParkedConnections<C> parked, Consumer<PooledConnection<C>> giveBack) {
        this.intervalNanos = settings.housekeepingInterval().toNanos();
        this.minDelayNanos = Math.min(intervalNanos, PoolSettings.MIN_HOUSEKEEPING_INTERVAL.toNanos());
        this.minIdle = settings.limits().minIdle();
        this.validateWhileIdle = settings.validation().whileIdle();
        this.members = members;
        this.lifecycle = lifecycle;
        this.parked = parked;
        this.giveBack = giveBack;
    }

    /**
     * One run over every server at {@code now}.
     *
     * @return nanoseconds until the next run is due: the housekeeping interval, or sooner when an idle
     *         connection expires or times out sooner
     */
    long run(long now) {
        long next = now + intervalNanos;
        for (ServerEntry entry : members.all()) {
            entry.advanceUseEpoch();
            long due = sweep(entry, now);
            if (due - next < 0) {
                next = due;
            }
        }
        return Math.max(minDelayNanos, next - now);
    }

    /** Sweeps one server; returns when it is due next (now + interval when nothing comes sooner). */
    private long sweep(ServerEntry entry, long now) {
        long next = now + intervalNanos;
        List<PooledConnection<C>> all = parked.takeAll(entry);
        if (all.isEmpty()) {
            return next;
        }
        int idle = all.size();
        List<PooledConnection<C>> keep = new ArrayList<>(idle);
        int i = all.size() - 1; // the list runs from the most recently parked: the longest idle go first
        try {
            for (; i >= 0; i--) {
                PooledConnection<C> pooled = all.get(i);
                if (!entry.state().acceptsBorrows() || lifecycle.expired(pooled, now)
                        || (idle > minIdle && lifecycle.idleTooLong(pooled, now))) {
                    lifecycle.destroy(pooled);
                    idle--;
                    continue;
                }
                if (pooled.idleSinceNanos == 0) {
                    pooled.idleSinceNanos = now == 0 ? 1 : now;
                }
                if (validateWhileIdle && !lifecycle.stillValid(pooled)) { // an Error destroys it and ends the run
                    lifecycle.destroy(pooled);
                    idle--;
                    continue;
                }
                keep.add(pooled);
                long due = lifecycle.nextDeadline(pooled);
                if (due != Long.MAX_VALUE && due - next < 0) {
                    next = due;
                }
            }
        } finally {
            for (int j = i - 1; j >= 0; j--) {
                keep.add(all.get(j)); // not looked at (an Error ended the run): back as they were
            }
            for (int k = keep.size() - 1; k >= 0; k--) {
                giveBack.accept(keep.get(k)); // the longest idle deepest in the stack
            }
        }
        return next;
    }

    /** Closes idle connections of a server beyond {@code keep}, the longest idle first; returns how many. */
    int retain(ServerEntry entry, int keep) {
        List<PooledConnection<C>> all = parked.takeAll(entry);
        int closed = 0;
        List<PooledConnection<C>> kept = new ArrayList<>(Math.min(keep, all.size()));
        for (PooledConnection<C> pooled : all) {
            if (kept.size() < keep) {
                kept.add(pooled);
            } else {
                lifecycle.destroy(pooled);
                closed++;
            }
        }
        for (int k = kept.size() - 1; k >= 0; k--) {
            giveBack.accept(kept.get(k));
        }
        return closed;
    }

    /**
     * Closes the server's idle connections whose last good use was in use epoch {@code epoch} or before (see
     * the class comment); the others go back as they were. Returns how many were closed.
     */
    int retireUsedUpTo(ServerEntry entry, long epoch) {
        List<PooledConnection<C>> all = parked.takeAll(entry);
        if (all.isEmpty()) {
            return 0;
        }
        List<PooledConnection<C>> kept = new ArrayList<>(all.size());
        int closed = 0;
        int i = 0;
        try {
            for (; i < all.size(); i++) {
                PooledConnection<C> pooled = all.get(i);
                if (pooled.goodEpoch - epoch <= 0) {
                    lifecycle.destroy(pooled);
                    closed++;
                } else {
                    kept.add(pooled);
                }
            }
        } finally {
            for (int j = i + 1; j < all.size(); j++) {
                kept.add(all.get(j)); // not looked at (an Error ended the loop): back as they were
            }
            for (int k = kept.size() - 1; k >= 0; k--) {
                giveBack.accept(kept.get(k)); // in their order: the longest idle deepest
            }
        }
        return closed;
    }
}
