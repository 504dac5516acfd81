package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server of a pool: its health state, counters, its parked connections (the fields of an
 * {@link IdleStack}) and the
 * queue its borrowers wait in ({@link #waiters}). The counters the hot path touches live in this one
 * object, updated through {@link VarHandle}s rather than atomic objects of their own: with a thousand
 * servers, each pointer less to follow is a cache miss less per borrow. State transitions happen under
 * {@link ServerRegistry}'s lock.
 */
final class ServerEntry implements Balancer.Candidate {

    private static final VarHandle LEASED;
    private static final VarHandle WAITING;
    private static final VarHandle FAILURES;
    private static final VarHandle TRIAL_OWNER;
    private static final VarHandle SLOTS;
    private static final VarHandle USE_EPOCH;
    private static final VarHandle RAMPING;
    private static final VarHandle NEXT_CONNECT;
    private static final VarHandle LAST_FAILURE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LEASED = lookup.findVarHandle(ServerEntry.class, "leased", int.class);
            WAITING = lookup.findVarHandle(ServerEntry.class, "waiting", int.class);
            FAILURES = lookup.findVarHandle(ServerEntry.class, "failures", int.class);
            TRIAL_OWNER = lookup.findVarHandle(ServerEntry.class, "trialOwner", Thread.class);
            SLOTS = lookup.findVarHandle(ServerEntry.class, "slots", int.class);
            USE_EPOCH = lookup.findVarHandle(ServerEntry.class, "useEpoch", long.class);
            RAMPING = lookup.findVarHandle(ServerEntry.class, "ramping", boolean.class);
            NEXT_CONNECT = lookup.findVarHandle(ServerEntry.class, "nextConnectNanos", long.class);
            LAST_FAILURE = lookup.findVarHandle(ServerEntry.class, "lastFailureNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ServerAddress address;
    // Its parked (idle) connections: the fields of its IdleStack, kept here beside the other hot fields
    // (see IdleStack, the only class that touches them, through VarHandles; ParkedConnections decides
    // what is parked).
    volatile PooledConnection<?> parkedSlot;
    volatile Object parkedHead;
    volatile int parkedReserved;
    /** Connections lent out through leases (what least-active compares). */
    private volatile int leased;
    /** Borrowers waiting for one of its connections (in a {@link WaitQueue}). */
    private volatile int waiting;
    /** Its connections alive or being connected: what max-active limits (see {@link Slots}). */
    private volatile int slots;
    /** Consecutive failures; reset by a lease closed normally. */
    private volatile int failures;
    /** Where they wait, unless the pool has a max-total (then they wait in the pool's one queue). */
    final WaitQueue waiters = new WaitQueue();
    final LongAdder created = new LongAdder();
    final LongAdder destroyed = new LongAdder();
    /** Leases handed out on connections already destroyed; see {@link #borrowed()}. */
    final LongAdder borrowedOnClosed = new LongAdder();
    /** Every live connection of this server, leased or idle; touched only on create and destroy. */
    final Set<PooledConnection<?>> connections = ConcurrentHashMap.newKeySet();
    /**
     * A coarse clock of this server's connection uses, with no clock read: every maintenance run advances
     * it, and so does a pooled connection found broken. A connection remembers it at its last good use
     * ({@link PooledConnection#goodEpoch}), so that the idle ones used no later than a broken one can be
     * told apart from those used since ({@link IdleMaintenance#retireUsedUpTo}).
     */
    private volatile long useEpoch;
    /** Its last state changes and their causes; written by the registry, never on the borrow path. */
    final ServerHistory history = new ServerHistory();
    /** The thread running this server's one trial while it is {@link ServerState#PROBING}. */
    private volatile Thread trialOwner;

    private volatile ServerState state = ServerState.ACTIVE;
    private volatile long ejections;
    /** When it last failed, or a failing server's try was last claimed ({@link #claimFailingTry}). */
    private volatile long lastFailureNanos;
    private volatile Throwable lastFailure;

    /** The pool's leases over all its servers, kept only when key affinity bounds loads; else null. */
    private final LongAdder poolLeased;
    /** Its latency as the least-latency balancer sees it; null with any other balancer (nothing is timed). */
    final LatencyEstimate latency;
    /**
     * With {@link #latency}: set by a pick made on a stale estimate and when the estimate is forgotten, cleared
     * by the next sample, so that the server's next lease is timed whatever its turn. Here rather than in the
     * estimate because every lease reads it and the entry is at hand (one load less per borrow). Plain: a lost
     * or late write costs one lease timed more or less.
     */
    private boolean latencySampleWanted;
    /** Whether it is in its slow start (see {@link SlowStart}); set and cleared only there. */
    private volatile boolean ramping;
    /** When its slow start began; meaningful while {@link #ramping}. */
    volatile long rampStartNanos;
    /** While it ramps: the earliest time its next new connection may be opened (see {@link SlowStart}). */
    private volatile long nextConnectNanos;

    // Guarded by the registry's lock.
    int ejectionLevel;
    volatile long ejectedUntilNanos;
    /**
     * When it last became {@code ACTIVE} (joined, re-admitted, added again while draining); written under the
     * registry's lock before the state, read without it by key affinity (see {@link AffinityRouter}).
     */
    volatile long activeSinceNanos;
    /** How many times it came back to {@code ACTIVE} after being out; written with {@link #cameBack}. */
    private volatile int returns;
    /**
     * The {@link #returns} for which key affinity found it settled, that is, {@code ACTIVE} for
     * {@code affinity.return-delay} since it came back; 0 from the start (a server that joins takes its keys
     * at once). Written by {@link AffinityRouter} only.
     */
    volatile int keysSettledReturn;

    ServerEntry(ServerAddress address, long nowNanos) {
        this(address, nowNanos, null);
    }

    ServerEntry(ServerAddress address, long nowNanos, LongAdder poolLeased) {
        this(address, nowNanos, poolLeased, null);
    }

    ServerEntry(ServerAddress address, long nowNanos, LongAdder poolLeased, LatencyEstimate latency) {
        this.address = address;
        this.activeSinceNanos = nowNanos;
        this.poolLeased = poolLeased;
        this.latency = latency;
    }

    /**
     * It is {@code ACTIVE} again after being out (re-admitted, or added again while draining): called under
     * the registry's lock before its state is set, so that whoever sees the new state sees this too.
     */
    void cameBack(long nowNanos) {
        activeSinceNanos = nowNanos;
        returns = returns + 1; // under the registry's lock: no lost update
    }

    int returns() {
        return returns;
    }

    /**
     * Leases handed out since the server joined: those on closed connections plus those on live ones. The
     * borrow path only bumps the connection's own counter (no shared atomic); a snapshot may trail by a
     * lease or two of another thread.
     */
    long borrowed() {
        long sum = borrowedOnClosed.sum();
        for (PooledConnection<?> pooled : connections) {
            sum += pooled.timesLeased;
        }
        return sum;
    }

    @Override
    public ServerAddress server() {
        return address;
    }

    @Override
    public int activeConnections() {
        return leased;
    }

    int leased() {
        return leased;
    }

    void addLeased(int delta) {
        LEASED.getAndAdd(this, delta);
        if (poolLeased != null) {
            poolLeased.add(delta);
        }
    }

    int waiting() {
        return waiting;
    }

    void addWaiting(int delta) {
        WAITING.getAndAdd(this, delta);
    }

    int slots() {
        return slots;
    }

    /** Takes a slot if fewer than {@code max} are taken. */
    boolean tryTakeSlot(int max) {
        int taken;
        do {
            taken = slots;
            if (taken >= max) {
                return false;
            }
        } while (!SLOTS.compareAndSet(this, taken, taken + 1));
        return true;
    }

    void giveBackSlot() {
        SLOTS.getAndAdd(this, -1);
    }

    /** The current use epoch (see {@link #useEpoch}). */
    long useEpoch() {
        return useEpoch;
    }

    /** Starts a new use epoch: connections used from now on count as used after every one used before. */
    void advanceUseEpoch() {
        USE_EPOCH.getAndAdd(this, 1L);
    }

    int failures() {
        return failures;
    }

    void resetFailures() {
        failures = 0;
    }

    ServerState state() {
        return state;
    }

    /**
     * Sets its state (under the registry's lock). A server put on trial ({@code PROBING}) has its latency
     * estimate forgotten: its penalties say nothing of whether it serves now, and least-latency must offer it
     * its trial as an unmeasured server (else a borrower never takes the trial, which trials by lease need).
     */
    void state(ServerState newState) {
        if (newState == ServerState.PROBING) {
            forgetLatency();
        }
        this.state = newState;
    }

    long ejections() {
        return ejections;
    }

    void countEjection() {
        ejections++; // written under the registry's lock only
    }

    long lastFailureNanos() {
        return lastFailureNanos;
    }

    /**
     * Claims the try of a failing server (see {@link ServerPicker}): moves {@link #lastFailureNanos} from
     * {@code seen} to {@code nowNanos}, so that the next try waits from now; false when another pick claimed it.
     */
    boolean claimFailingTry(long seen, long nowNanos) {
        return LAST_FAILURE.compareAndSet(this, seen, nowNanos);
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    /** Charges one failure (and, when latency is measured, its penalty); returns the consecutive count. */
    int recordFailure(Throwable cause, long nowNanos) {
        noteFailure(cause, nowNanos);
        return (int) FAILURES.getAndAdd(this, 1) + 1;
    }

    /** Charges a failure that counts as at least {@code atLeast} in a row (a failed health probe or trial); returns the count. */
    int recordFailure(Throwable cause, long nowNanos, int atLeast) {
        noteFailure(cause, nowNanos);
        int before;
        int after;
        do {
            before = failures;
            after = Math.max(before + 1, atLeast);
        } while (!FAILURES.compareAndSet(this, before, after));
        return after;
    }

    private void noteFailure(Throwable cause, long nowNanos) {
        lastFailure = cause;
        lastFailureNanos = nowNanos;
        if (latency != null) {
            latency.penalise(nowNanos); // a failure never makes a server look fast
        }
    }

    /** A lease closed normally: the streak of failures is over (a read first, to not dirty the line). */
    void recordSuccess() {
        int streak = failures;
        if (streak != 0) {
            failures = 0;
            if (latency != null && latency.recovered(streak)) {
                latencySampleWanted = true;
            }
        }
    }

    /**
     * Forgets its latency estimate (see {@link LatencyEstimate#reset()}); its next lease is timed. Nothing to do
     * when no latency is measured.
     */
    void forgetLatency() {
        if (latency != null) {
            latency.reset();
            latencySampleWanted = true;
        }
    }

    /** Asks for its next lease to be timed (a pick was made on a stale estimate). */
    void wantLatencySample() {
        if (!latencySampleWanted) { // read first: a pick writes to the entry no more than it must
            latencySampleWanted = true;
        }
    }

    /** Whether a lease starting now should be timed although it is not its turn. */
    boolean latencySampleWanted() {
        return latencySampleWanted;
    }

    /** A timed lease of {@code nanos} ended normally at {@code now}: a sample for its estimate. */
    void latencySample(long nanos, long now) {
        latencySampleWanted = false;
        latency.sample(nanos, now);
    }

    boolean ramping() {
        return ramping;
    }

    /** Sets {@link #ramping} from {@code expected} to {@code now}; false when it was not {@code expected}. */
    boolean casRamping(boolean expected, boolean now) {
        return RAMPING.compareAndSet(this, expected, now);
    }

    long nextConnectNanos() {
        return nextConnectNanos;
    }

    void nextConnectNanos(long nanos) {
        nextConnectNanos = nanos;
    }

    boolean casNextConnect(long expected, long next) {
        return NEXT_CONNECT.compareAndSet(this, expected, next);
    }

    /** Takes the trial permit of a {@link ServerState#PROBING} server for the current thread. */
    boolean tryStartTrial() {
        return TRIAL_OWNER.compareAndSet(this, (Thread) null, Thread.currentThread());
    }

    /** Whether the current thread holds the trial permit. */
    boolean ownsTrial() {
        return trialOwner == Thread.currentThread();
    }

    void endTrial() {
        trialOwner = null;
    }

    @Override
    public String toString() {
        return address + "(" + state + ")";
    }
}
