package dev.connpool;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety every {@link ServerSource} shares, so that a source only has to say what its registry
 * answered: the ZooKeeper source, the DNS source, the Spring Cloud one and your own all go through it.
 *
 * <ul>
 *   <li><b>Complete answers</b> ({@link #answered}): the pool gets the full set through
 *       {@link MultiPool#updateServers}. A server that appears is added at once. A server missing from the
 *       answers is drained only once it has been missing for the removal delay; an answer that lists it
 *       again before that cancels the removal. The first answer after the source started is taken whole
 *       (the servers the pool had came from configuration, not from the registry).</li>
 *   <li><b>Outages</b> ({@link #unreachable}, {@link #reachable}): while the registry cannot be reached the
 *       pool keeps the last list, the outage is logged once (WARN) and shown in {@link #state()}. When the
 *       registry is reachable again the removal delay of every missing server starts over from then, so
 *       that the first, possibly partial, answers after an outage (registrations coming back) drain
 *       nothing.</li>
 *   <li><b>Bookkeeping</b>: {@link #start()}, {@link #close()} and the {@link ServerSourceState} health
 *       shows. After {@link #close()} answers are ignored: a late answer does not change the pool.</li>
 * </ul>
 *
 * <p>A source that watches (rather than polls) must answer again when a removal falls due:
 * {@link #answered} returns how long until then (ask the registry again, or pass the last answer again).
 *
 * <p>Thread-safe: answers are applied one at a time, in the order they are given; {@link #state()} never
 * waits for an answer being applied. The support logs membership changes and outages (SLF4J, logger
 * {@code dev.connpool.ServerSourceSupport}); entries skipped by the source are the source's to log.
 *
 * <pre>{@code
 * ServerSourceSupport support = ServerSourceSupport.builder(pool, "consul", "orders").build();
 * support.start();
 * support.answered(addressesFromConsul, List.of());      // on every complete answer
 * support.unreachable("Consul answered 503");             // when there is none
 * }</pre>
 */
public final class ServerSourceSupport {

    /**
     * The default removal delay of every source, 60 s: a bit more than the 40 s a ZooKeeper server grants
     * at most to a session with its default tick, so that a registration whose session expired fits while
     * its client opens a new one; long enough for a DNS record set or a discovery service to settle. The
     * price: a server that really left stays a candidate for up to a minute (calls to it fail over to
     * other servers, and it is ejected like any failing server).
     */
    public static final Duration DEFAULT_REMOVAL_DELAY = Duration.ofSeconds(60);

    /** The rule a removal delay must follow, as {@link InvalidSettingException#reason()} says it. */
    static final String REMOVAL_DELAY_RULE = "must be zero (drain at once) or positive";

    private static final Logger log = LoggerFactory.getLogger(ServerSourceSupport.class);

    private final MultiPool<?> pool;
    private final String kind;
    private final String target;
    private final String label;
    private final Clock clock;
    private final Duration removalDelay;
    private final RemovalDelay removals;
    /** Serializes answers: a decision and the pool update it leads to are one step. */
    private final Object answerLock = new Object();
    /** Guards the fields below; never held while the pool is updated. */
    private final Object stateLock = new Object();

    private boolean started;
    private volatile boolean closed;
    private boolean connected;
    private boolean synced;
    private Instant lastUpdate;
    private Set<ServerAddress> servers = Set.of();
    private Set<ServerAddress> removing = Set.of();
    private Set<String> skipped = Set.of();
    private String lastError;
    private boolean outage;
    private long outageStartNanos;

    private ServerSourceSupport(Builder builder) {
        this.pool = builder.pool;
        this.kind = builder.kind;
        this.target = builder.target;
        this.clock = builder.clock;
        this.removalDelay = checkRemovalDelay(pool.name(), "removal-delay", builder.removalDelay);
        this.removals = new RemovalDelay(removalDelay);
        this.label = "pool '" + pool.name() + "', " + kind + " " + target;
    }

    /**
     * Starts a builder.
     *
     * @param pool   the pool whose servers the source keeps
     * @param kind   the kind of source, as {@link ServerSourceState#kind()} shows it ({@code dns}, ...)
     * @param target what it follows, as {@link ServerSourceState#target()} shows it (a name, a path)
     * @return a builder with the default removal delay and the system clock
     */
    public static Builder builder(MultiPool<?> pool, String kind, String target) {
        return new Builder(pool, kind, target);
    }

    /**
     * Checks a removal delay, the one rule every source applies: zero or positive.
     *
     * @param pool    the pool's name, for the error
     * @param setting the setting's key as the caller's configuration writes it (such as
     *                {@code discovery.dns.removal-delay})
     * @param delay   the delay
     * @return the delay
     * @throws InvalidSettingException when it is null or negative
     */
    public static Duration checkRemovalDelay(String pool, String setting, Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new InvalidSettingException(pool, setting, delay, REMOVAL_DELAY_RULE);
        }
        return delay;
    }

    /**
     * Marks the source started.
     *
     * @throws IllegalStateException when it was started or closed already
     */
    public void start() {
        synchronized (stateLock) {
            if (closed) {
                throw new IllegalStateException(label + ": the source is closed");
            }
            if (started) {
                throw new IllegalStateException(label + ": the source is started already");
            }
            started = true;
        }
    }

    /**
     * Marks the source closed: later answers are ignored, the pool keeps its servers. Idempotent.
     *
     * @return true the first time, false when it was closed already
     */
    public boolean close() {
        synchronized (stateLock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /**
     * Returns whether {@link #close()} was called.
     *
     * @return whether the source is closed
     */
    public boolean closed() {
        return closed;
    }

    /**
     * Applies a complete answer of the registry: the pool gets {@code listed}, plus the servers missing
     * from it whose removal delay has not run out. Ends an outage under way ({@link #reachable()}). Ignored
     * after {@link #close()}.
     *
     * @param listed  every server the registry lists now
     * @param skipped entries of the answer that are not usable servers, each with why (for
     *                {@link ServerSourceState#skipped()}); logging them is the caller's
     * @return how long until the next removal falls due (answer again by then), or empty when none is
     *         pending or the source is closed
     * @throws PoolClosedException when the pool was closed: the source should stop
     */
    public Optional<Duration> answered(Collection<ServerAddress> listed, Collection<String> skipped) {
        return answered(listed, Set.of(), skipped, 1);
    }

    /**
     * Applies a complete answer that also lists servers that do not serve now: registered with a status
     * other than UP ({@code OUT_OF_SERVICE}, {@code DOWN}, disabled). Those are drained at once, without
     * the removal delay: the registry did not lose them, it says they must not get traffic. A server both
     * in {@code listed} (another registration of the same address that is UP) and in {@code notServing}
     * stays. Otherwise as {@link #answered(Collection, Collection)}.
     *
     * @param listed     every server the registry lists as serving now
     * @param notServing servers the registry lists as not serving
     * @param skipped    entries of the answer that are not servers (the ones not serving too), each with why
     * @return how long until the next removal falls due, or empty when none is pending or the source is
     *         closed
     * @throws PoolClosedException when the pool was closed: the source should stop
     */
    public Optional<Duration> answered(Collection<ServerAddress> listed, Collection<ServerAddress> notServing,
                                       Collection<String> skipped) {
        return answered(listed, notServing, skipped, 1);
    }

    /** {@link #answered(Collection, Collection, Collection)}, a server drained only once missing from {@code answersNeeded} answers in a row. */
    Optional<Duration> answered(Collection<ServerAddress> listed, Collection<ServerAddress> notServing,
                                Collection<String> skipped, int answersNeeded) {
        Set<ServerAddress> wanted = new LinkedHashSet<>(listed);
        Set<ServerAddress> out = Set.copyOf(notServing);
        Set<String> skippedNow = Set.copyOf(skipped);
        synchronized (answerLock) {
            if (closed) {
                return Optional.empty();
            }
            if (!isConnected()) {
                reachable();
            }
            Set<ServerAddress> before = pool.servers();
            RemovalDelay.Decision decision = removals.decide(wanted, out, clock.nanoTime(), answersNeeded);
            synchronized (stateLock) { // first: whoever sees the pool changed then finds why
                synced = true;
                lastUpdate = clock.instant();
                servers = Set.copyOf(wanted);
                removing = Set.copyOf(decision.kept());
                this.skipped = skippedNow;
                lastError = null;
            }
            pool.updateServers(decision.servers());
            SourceChangeLog.log(label, decision, before, removals.delayMillis());
            long next = decision.nanosToNext();
            return next < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(next));
        }
    }

    /**
     * The registry cannot be reached, or did not give a usable answer: the pool keeps the last list. The
     * first call of an outage logs at WARN; {@code why} is {@link ServerSourceState#lastError()} until the
     * next answer.
     *
     * @param why what went wrong, such as {@code ZooKeeper connection lost}
     */
    public void unreachable(String why) {
        boolean first;
        synchronized (stateLock) {
            connected = false;
            lastError = why + "; the pool keeps the last known servers";
            first = !outage;
            if (first) {
                outage = true;
                outageStartNanos = clock.nanoTime();
            }
        }
        if (closed) {
            return;
        }
        if (first) {
            log.warn("{}: {}; the pool keeps its {} server(s) until {} answers again", label, why, poolSize(), kind);
        } else {
            log.debug("{}: {}; still keeping the last known servers", label, why);
        }
    }

    /**
     * The registry is reachable again: the removal delay of every server missing from the answers starts
     * over from now. The next {@link #answered} clears {@link ServerSourceState#lastError()}.
     */
    public void reachable() {
        removals.reconnected(clock.nanoTime()); // before the answer that follows
        long outageMillis;
        synchronized (stateLock) {
            connected = true;
            outageMillis = outage ? TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - outageStartNanos) : -1;
            outage = false;
        }
        if (outageMillis >= 0 && !closed) {
            log.info("{}: {} reachable again after {} ms", label, kind, outageMillis);
        }
    }

    /**
     * A problem that is not an outage (an answer that could not be read, a path that does not exist): shown
     * as {@link ServerSourceState#lastError()} until the next answer; the pool keeps its servers. Logging it
     * is the caller's.
     *
     * @param why what went wrong
     */
    public void failed(String why) {
        synchronized (stateLock) {
            lastError = why;
        }
    }

    /**
     * Returns what the source knows now.
     *
     * @return a snapshot
     */
    public ServerSourceState state() {
        synchronized (stateLock) {
            return new ServerSourceState(kind, target, connected, synced, lastUpdate, servers, removing, skipped,
                    lastError);
        }
    }

    /**
     * Returns the removal delay in force.
     *
     * @return the delay
     */
    public Duration removalDelay() {
        return removalDelay;
    }

    /** Names the source in logs: the pool, the kind and the target ({@code pool 'orders', dns orders...:9090}). */
    String label() {
        return label;
    }

    private boolean isConnected() {
        synchronized (stateLock) {
            return connected;
        }
    }

    private int poolSize() {
        try {
            return pool.servers().size();
        } catch (RuntimeException closedPool) {
            return 0;
        }
    }

    /**
     * Where a source reads the time: a monotonic clock for delays and outages, the wall clock for
     * {@link ServerSourceState#lastUpdate()}. Tests put a clock they move by hand in its place.
     */
    public interface Clock {

        /** The system's clocks: {@link System#nanoTime()} and {@link Instant#now()}. */
        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Instant instant() {
                return Instant.now();
            }
        };

        /**
         * Returns monotonic nanoseconds, as {@link System#nanoTime()}.
         *
         * @return the time, only meaningful as a difference to another reading
         */
        long nanoTime();

        /**
         * Returns the wall-clock time.
         *
         * @return now
         */
        Instant instant();
    }

    /**
     * Settings of a {@link ServerSourceSupport}.
     */
    public static final class Builder {

        private final MultiPool<?> pool;
        private final String kind;
        private final String target;
        private Duration removalDelay = DEFAULT_REMOVAL_DELAY;
        private Clock clock = Clock.SYSTEM;

        private Builder(MultiPool<?> pool, String kind, String target) {
            this.pool = Objects.requireNonNull(pool, "pool");
            this.kind = Objects.requireNonNull(kind, "kind");
            this.target = Objects.requireNonNull(target, "target");
        }

        /**
         * How long a server missing from the answers stays in the pool before it is drained; an answer
         * listing it again meanwhile cancels that. Servers that appear are added at once whatever the delay.
         * Zero drains a server as soon as an answer misses it. {@link #DEFAULT_REMOVAL_DELAY} by default.
         *
         * @param delay zero or a positive duration (checked by {@link #build()})
         * @return this builder
         */
        public Builder removalDelay(Duration delay) {
            this.removalDelay = delay;
            return this;
        }

        /**
         * The clocks the support reads; {@link Clock#SYSTEM} by default.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the support (not started).
         *
         * @return the support
         * @throws InvalidSettingException when the removal delay is null or negative ({@code removal-delay})
         */
        public ServerSourceSupport build() {
            return new ServerSourceSupport(this);
        }
    }
}
