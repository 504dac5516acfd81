package dev.connpool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool's connections, server by server: lends and takes back, waits, opens, closes. What
 * {@link MultiPool} holds; it puts together the fast path ({@link ParkedConnections}), the limits
 * ({@link Slots}), waiting ({@link WaitQueue}), birth and death ({@link ConnectionLifecycle}) and their
 * upkeep ({@link IdleMaintenance}).
 *
 * <p><b>Idle</b> connections are the parked ones ({@link #idle}); every other live connection is
 * <b>active</b> ({@link #active}): lent out, or on its way between a lease and the stack.
 *
 * <p><b>Borrowing</b>: a parked connection, else a new one if the server (and the pool, with a max-total)
 * has room; otherwise the borrower waits in line, up to max-wait, and a connection given back wakes the
 * longest-waiting one. A newcomer may take a connection before a waiter only until some waiter has waited
 * the starvation threshold; from then on connections go to the line in order ({@link WaitQueue}). Only
 * an {@link ServerState#ACTIVE} server lends parked connections: a probing server's trial always
 * connects.
 */
final class ConnectionEngine<C> {

    /** A safety net only: every change that can serve a waiter wakes it. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final PoolErrors errors;
    private final PoolSettings settings;
    private final ServerMembers members;
    private final NanoClock clock;
    private final Slots slots;
    private final ConnectionLifecycle<C> lifecycle;
    private final ParkedConnections<C> parked;
    private final IdleMaintenance<C> maintenance;
    /** The pool's one queue when it has a max-total; otherwise each server has its own. */
    private final WaitQueue shared;
    private final long maxWaitNanos;
    /** How long a waiter may be passed by newcomers: see {@link WaitQueue}. */
    private final long starvationNanos;
    /** Where the next search for an idle connection to close for room starts (with a max-total only). */
    private final AtomicInteger roomMakerTurn = new AtomicInteger();
    /** The connect rate of ramping servers. */
    private final SlowStart slowStart;
    private volatile boolean closing;

    ConnectionEngine(PoolSettings settings, PoolErrors errors, ConnectionFactory<C> factory, ServerMembers members,
                     Listeners listeners, NanoClock clock) {
        this(settings, errors, factory, members, listeners, clock, new SlowStart(settings, clock, members));
    }

    @SuppressWarnings("java:S107") // the parts of the pool it works with, built before it
    ConnectionEngine(PoolSettings settings, PoolErrors errors, ConnectionFactory<C> factory, ServerMembers members,
                     Listeners listeners, NanoClock clock, SlowStart slowStart) {
        this.slowStart = slowStart;
        this.errors = errors;
        this.settings = settings;
        this.members = members;
        this.clock = clock;
        this.slots = new Slots(settings.limits().maxActive(), settings.limits().maxTotal());
        this.shared = slots.poolWide() ? new WaitQueue() : null;
        this.lifecycle = new ConnectionLifecycle<>(settings, errors, factory, members, listeners, clock, slots,
                this::roomFreed);
        this.parked = new ParkedConnections<>(settings, lifecycle);
        this.maintenance = new IdleMaintenance<>(settings, members, lifecycle, parked, this::release);
        this.maxWaitNanos = settings.limits().maxWait().toNanos();
        this.starvationNanos = WaitQueue.starvationNanos(maxWaitNanos);
    }

    // ---- borrow and return ---------------------------------------------------------------------------

    /**
     * Takes a connection of {@code entry}'s server, idle or new, waiting up to max-wait (in line) when the
     * server is full or others wait already. A connect the borrow starts itself may add its own duration.
     *
     * @param trial whether this borrow is the trial of a probing server: then only a new connection will do
     */
    PooledConnection<C> borrow(ServerEntry entry, boolean trial) {
        if (entry.waiting() == 0 || !queueOf(entry).starving()) { // past waiters only while none starves
            if (!trial) {
                PooledConnection<C> pooled = parked.take(entry);
                if (pooled != null) {
                    return pooled;
                }
            }
            PooledConnection<C> created = tryConnect(entry);
            if (created != null) {
                return created;
            }
        }
        return awaitBorrow(entry, trial);
    }

    /**
     * A connection of an active server if one can be had at once, never waiting (the hedge of a hedged execute,
     * {@link HedgeRoom}): a parked one, else a new one within the limits; null when the server is full, or
     * borrowers wait for it in strict order.
     */
    PooledConnection<C> borrowNow(ServerEntry entry) {
        if (entry.waiting() != 0 && queueOf(entry).starving()) {
            return null;
        }
        PooledConnection<C> pooled = parked.take(entry);
        return pooled != null ? pooled : tryConnect(entry);
    }

    /**
     * Whether a borrow from the server would be served at once now: nobody waits for it and it has a parked
     * connection or a free slot. A hint only (stale at once), read without taking anything.
     */
    boolean hasRoom(ServerEntry entry) {
        return entry.waiting() == 0 && (!IdleStack.isEmpty(entry) || entry.slots() < settings.limits().maxActive());
    }

    /**
     * A new connection if the server and the pool have room (making room as described below) and, while
     * the server ramps up, its connect rate allows one ({@link SlowStart#mayConnect}); else null.
     */
    private PooledConnection<C> tryConnect(ServerEntry entry) {
        ensureOpen();
        Slots.Outcome outcome = slots.tryTake(entry);
        if (outcome == Slots.Outcome.POOL_FULL && closeOneIdle(entry, true)) {
            outcome = slots.tryTake(entry); // max-total reached: an idle connection of another server made room
        } else if (outcome == Slots.Outcome.SERVER_FULL && entry.state() == ServerState.PROBING
                && closeOneIdle(entry, false)) {
            outcome = slots.tryTake(entry); // a trial connects: an idle connection of the server made room
        }
        if (outcome != Slots.Outcome.TAKEN) {
            return null;
        }
        if (!slowStart.mayConnect(entry)) {
            slots.giveBack(entry); // ramping, and its connect rate is spent: wait for a returned connection
            return null;
        }
        return lifecycle.connect(entry);
    }

    /** Closes one parked connection of another server ({@code elsewhere}) or of this one; false when none. */
    private boolean closeOneIdle(ServerEntry entry, boolean elsewhere) {
        if (!elsewhere) {
            PooledConnection<C> idle = parked.pop(entry);
            if (idle != null) {
                lifecycle.destroy(idle);
            }
            return idle != null;
        }
        List<ServerEntry> all = members.all();
        int n = all.size();
        int start = n == 0 ? 0 : Math.floorMod(roomMakerTurn.getAndIncrement(), n); // servers take turns giving room
        for (int i = 0; i < n; i++) {
            ServerEntry other = all.get((start + i) % n);
            PooledConnection<C> idle = other == entry ? null : parked.pop(other);
            if (idle != null) {
                lifecycle.destroy(idle);
                return true;
            }
        }
        return false;
    }

    private PooledConnection<C> awaitBorrow(ServerEntry entry, boolean trial) {
        long start = clock.nanoTime();
        long deadline = start + maxWaitNanos;
        WaitQueue queue = queueOf(entry);
        WaitQueue.Waiter waiter = queue.enter(entry);
        boolean served = false;
        try {
            while (true) {
                PooledConnection<C> pooled = cast(queue.takeHanded(waiter));
                if (pooled != null) {
                    pooled = parked.ready(pooled);
                } else if (!queue.starving() || queue.isFirst(waiter)) {
                    pooled = trial ? null : parked.take(entry);
                    pooled = pooled != null ? pooled : tryConnect(entry);
                }
                long now = clock.nanoTime();
                if (pooled != null) {
                    served = true;
                    queue.served(waiter, now - start, starvationNanos);
                    return pooled;
                }
                long left = deadline - now;
                if (left <= 0) {
                    throw timeout(entry, now - start);
                }
                if (now - start >= starvationNanos) {
                    queue.starve(); // passed over for too long: connections given back now go to the line in order
                }
                try {
                    queue.await(waiter, Math.min(left, RECHECK_NANOS));
                } catch (InterruptedException e) {
                    throw interrupted(entry.address, e);
                }
                ensureOpen();
            }
        } finally {
            PooledConnection<C> unclaimed = cast(queue.leave(waiter));
            if (unclaimed != null) {
                release(unclaimed); // handed over as this borrower gave up: to the next one
            } else if (!served) {
                signal(entry); // a wake-up this waiter took but could not use goes to the next one
            }
        }
    }

    /**
     * Gives a connection back: to the longest-waiting borrower, else parked; destroyed when it may not be kept.
     * The common case (nobody waits for the server, no max-lifetime due) only parks it.
     */
    void release(PooledConnection<C> pooled) {
        if (pooled.entry.waiting() != 0 || lifecycle.expired(pooled)) {
            releaseToWaiters(pooled);
        } else {
            park(pooled);
        }
    }

    /** {@link #release} when borrowers wait for the server (or the connection has expired). */
    private void releaseToWaiters(PooledConnection<C> pooled) {
        ServerEntry entry = pooled.entry;
        ServerState state = entry.state();
        if (closing || !state.acceptsBorrows() || lifecycle.expired(pooled)) {
            lifecycle.destroy(pooled);
            return;
        }
        if (entry.waiting() > 0 && state == ServerState.ACTIVE && queueOf(entry).starving()
                && queueOf(entry).handOver(pooled)) {
            return; // a borrower has starved: it gets this one, not whoever comes next
        }
        park(pooled);
    }

    /**
     * Parks a connection (destroys it at max-idle), then looks again at who waits and at the server's state:
     * a borrower that queued while it parked must not miss it, and a close, an ejection or a drain that came
     * meanwhile (and may have emptied the stack already) must not leave it parked.
     */
    private void park(PooledConnection<C> pooled) {
        ServerEntry entry = pooled.entry;
        if (!parked.park(pooled)) {
            lifecycle.destroy(pooled); // max-idle reached
            return;
        }
        if (entry.waiting() != 0) {
            signal(entry);
        }
        if (closing || !entry.state().acceptsBorrows()) {
            clearIdle(entry);
        }
    }

    /** Destroys a lent connection instead of returning it. */
    void destroy(PooledConnection<C> pooled) {
        lifecycle.destroy(pooled);
    }

    /** Something changed for the server's waiters: hand the first one a parked connection, or wake it to look. */
    void signal(ServerEntry entry) {
        if (entry.waiting() == 0) {
            return;
        }
        WaitQueue queue = queueOf(entry);
        if (entry.state() != ServerState.ACTIVE || !queue.starving()
                || !queue.handOverFrom(entry, () -> parked.pop(entry))) {
            queue.wakeFirst(entry, false); // it looks for itself (and may find a newcomer was quicker)
        }
    }

    /** A slot was given back: room for the first waiter of the server (of every server with a max-total). */
    private void roomFreed(ServerEntry entry) {
        if (shared != null) {
            shared.wakeFirst(entry, true);
        } else if (entry.waiting() > 0) {
            entry.waiters.wakeFirst(entry, false);
        }
    }

    /** Wakes every waiting borrower (the pool is closing). */
    void wakeAllWaiters() {
        if (shared != null) {
            shared.wakeAll();
        }
        for (ServerEntry entry : members.all()) {
            entry.waiters.wakeAll();
        }
    }

    /** Whether the server's borrowers wait in strict order now (see {@link WaitQueue}); for tests. */
    boolean starving(ServerEntry entry) {
        return queueOf(entry).starving();
    }

    private WaitQueue queueOf(ServerEntry entry) {
        return shared != null ? shared : entry.waiters;
    }

    private PoolException interrupted(ServerAddress server, InterruptedException e) {
        Thread.currentThread().interrupt(); // the caller decides what an interrupt means: keep the flag
        if (closing) {
            return errors.closed();
        }
        return errors.interruptedWhileWaiting(server, e);
    }

    /**
     * A health probe of a server: a new connection, probed ({@link ConnectionFactory#probe}) and closed at once,
     * in a slot of its own.
     *
     * @return false when the server (or the pool, with a max-total) had no room for one: no probe was made
     * @throws ConnectFailedException     when the connection could not be made, or the server did not answer
     * @throws NoServerAvailableException when the server was ejected or removed meanwhile
     * @throws PoolClosedException        once the pool is closing
     */
    boolean probe(ServerEntry entry) {
        ensureOpen();
        if (slots.tryTake(entry) != Slots.Outcome.TAKEN) {
            return false;
        }
        lifecycle.probe(entry);
        return true;
    }

    /**
     * A trial: borrows a connection of the (probing) server, a new one, has the factory prove on it that the
     * server answers ({@link ConnectionFactory#probe}), and returns it.
     *
     * @throws ConnectFailedException when the connection could not be made, or the server did not answer
     */
    void borrowProveAndReturn(ServerEntry entry) {
        PooledConnection<C> pooled = borrow(entry, true);
        lifecycle.prove(pooled); // destroys it and throws when the server does not answer
        release(pooled);
    }

    // ---- housekeeping ----------------------------------------------------------------------------------

    /**
     * Retires idle connections at {@code now}: expired, idle longer than idle-timeout (above min-idle),
     * failing validation (with validate-while-idle), or of a server that is not usable.
     *
     * @return nanoseconds until the next run is due
     */
    long maintain(long now) {
        return closing ? settings.housekeepingInterval().toNanos() : maintenance.run(now);
    }

    /** Closes every idle connection of a server now. */
    void clearIdle(ServerEntry entry) {
        for (PooledConnection<C> pooled : parked.takeAll(entry)) {
            lifecycle.destroy(pooled);
        }
    }

    /** Opens one more idle connection to a server, if it has room (and its ramp's rate allows); failures are thrown. */
    void addIdle(ServerEntry entry) {
        ensureOpen();
        if (slots.tryTake(entry) == Slots.Outcome.TAKEN) {
            if (!slowStart.mayConnect(entry)) {
                slots.giveBack(entry); // ramping: min-idle fills at the ramp's connect rate
                return;
            }
            release(lifecycle.connect(entry)); // parked, or straight to a waiter
        }
    }

    /** Closes idle connections of a server beyond {@code keep} (the longest idle first); opens none. */
    int retainIdle(ServerEntry entry, int keep) {
        return maintenance.retain(entry, keep);
    }

    /**
     * Closes the server's idle connections last used well in use epoch {@code epoch} or before (a reused
     * connection of that epoch turned out broken); returns how many.
     */
    int retireUsedUpTo(ServerEntry entry, long epoch) {
        return maintenance.retireUsedUpTo(entry, epoch);
    }

    /** Stops lending and parking, wakes the waiters, closes the idle connections. */
    void close() {
        closing = true;
        wakeAllWaiters();
        for (ServerEntry entry : members.all()) {
            clearIdle(entry);
        }
        lifecycle.close();
    }

    boolean isClosed() {
        return closing;
    }

    private void ensureOpen() {
        if (closing) {
            throw errors.closed();
        }
    }

    // ---- counts ------------------------------------------------------------------------------------------

    /** Live connections of the server that are not idle: lent out, or between a lease and the stack. */
    int active(ServerEntry entry) {
        return Math.max(0, (int) (entry.created.sum() - entry.destroyed.sum()) - parked.count(entry));
    }

    /** Idle connections of the server: the parked ones. */
    int idle(ServerEntry entry) {
        return parked.count(entry);
    }

    private PoolTimeoutException timeout(ServerEntry entry, long waitedNanos) {
        return errors.waitTimedOut(entry.address, Duration.ofNanos(waitedNanos), settings.limits().maxWait(),
                active(entry), idle(entry), entry.waiting(), settings.limits().maxActive());
    }

    @SuppressWarnings("unchecked")
    private static <C> PooledConnection<C> cast(PooledConnection<?> pooled) {
        return (PooledConnection<C>) pooled;
    }
}
