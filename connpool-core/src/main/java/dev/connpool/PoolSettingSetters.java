package dev.connpool;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The setters of {@link MultiPool.Builder}, one per setting, each writing the {@link PoolSettingsDraft} that
 * {@link MultiPool.Builder#build()} checks and turns into {@link PoolSettings}: kept apart from the builder's
 * other concerns (the factory, listeners, metrics, test hooks) because there is one per setting. Package-private:
 * users see these methods as {@code MultiPool.Builder}'s own.
 *
 * @param <C> the connection type
 */
abstract class PoolSettingSetters<C> {

    final PoolSettingsDraft draft = new PoolSettingsDraft();

    PoolSettingSetters() {
    }

    /** The builder itself, for chaining. */
    abstract MultiPool.Builder<C> self();

    /**
     * The pool's name in logs, errors, metrics and health. Default {@code pool-N}.
     *
     * @param name a non-blank name
     * @return this builder
     */
    public MultiPool.Builder<C> name(String name) {
        draft.name = name;
        return self();
    }

    /**
     * The servers to start with ({@code servers}). Default none; add them later with
     * {@link MultiPool#addServer}.
     *
     * @param servers distinct servers
     * @return this builder
     */
    public MultiPool.Builder<C> servers(Collection<ServerAddress> servers) {
        draft.servers = List.copyOf(servers);
        return self();
    }

    /**
     * Connections per server, leased and idle together ({@code max-active}). Default 8.
     *
     * @param maxActive at least 1
     * @return this builder
     */
    public MultiPool.Builder<C> maxActive(int maxActive) {
        draft.maxActive = maxActive;
        return self();
    }

    /**
     * Idle connections kept per server; more are closed when returned ({@code max-idle}). Default: the
     * same as max-active.
     *
     * @param maxIdle 0 to max-active
     * @return this builder
     */
    public MultiPool.Builder<C> maxIdle(int maxIdle) {
        draft.maxIdle = maxIdle;
        return self();
    }

    /**
     * Idle connections kept open per usable server, opened at start and after a re-admission, and never
     * closed for idleness ({@code min-idle}). Default 0.
     *
     * @param minIdle 0 to max-idle
     * @return this builder
     */
    public MultiPool.Builder<C> minIdle(int minIdle) {
        draft.minIdle = minIdle;
        return self();
    }

    /**
     * Connections over all servers ({@code max-total}); -1, the default, for no limit. When the limit is
     * reached and a server has no idle connection, one idle connection of another server is closed to make
     * room (the servers take turns).
     *
     * @param maxTotal -1 or at least 1
     * @return this builder
     */
    public MultiPool.Builder<C> maxTotal(int maxTotal) {
        draft.maxTotal = maxTotal;
        return self();
    }

    /**
     * How long a borrow waits for a connection of a full server ({@code max-wait}). Default 1 s.
     *
     * @param maxWait zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> maxWait(Duration maxWait) {
        draft.maxWait = maxWait;
        return self();
    }

    /**
     * Idle connections beyond min-idle are closed after this long unused ({@code idle-timeout}); zero
     * for never. Default 5 min. Idle connections are looked at every quarter of it (10 ms to 30 s), so
     * one may stay up to that much longer.
     *
     * @param idleTimeout zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> idleTimeout(Duration idleTimeout) {
        draft.idleTimeout = idleTimeout;
        return self();
    }

    /**
     * A connection older than this is closed when idle or returned ({@code max-lifetime}), each one up
     * to 2.5% earlier at random; zero, the default, for no limit.
     *
     * @param maxLifetime zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> maxLifetime(Duration maxLifetime) {
        draft.maxLifetime = maxLifetime;
        return self();
    }

    /**
     * Validate a connection (new or idle) before lending it ({@code validate-on-borrow}). Default true.
     *
     * @param validateOnBorrow whether to
     * @return this builder
     */
    public MultiPool.Builder<C> validateOnBorrow(boolean validateOnBorrow) {
        draft.validateOnBorrow = validateOnBorrow;
        return self();
    }

    /**
     * Validate idle connections in the background ({@code validate-while-idle}). Default true.
     *
     * @param validateWhileIdle whether to
     * @return this builder
     */
    public MultiPool.Builder<C> validateWhileIdle(boolean validateWhileIdle) {
        draft.validateWhileIdle = validateWhileIdle;
        return self();
    }

    /**
     * How {@link MultiPool#borrow()} picks a server ({@code balancer}). Default
     * {@link Balancer#leastActive()}.
     *
     * @param balancer the balancer
     * @return this builder
     */
    public MultiPool.Builder<C> balancer(Balancer balancer) {
        draft.balancer = balancer;
        return self();
    }

    /**
     * Attempts per borrow or execute, the first included ({@code retry.attempts}). Default 3.
     *
     * @param retryAttempts at least 1 (1: no retry)
     * @return this builder
     */
    public MultiPool.Builder<C> retryAttempts(int retryAttempts) {
        draft.retryAttempts = retryAttempts;
        return self();
    }

    /**
     * The pause before retry n: {@code min x factor^(n-1)}, capped at {@code max}, spread by
     * {@code +-jitter} ({@code retry.backoff.*}). Default 10 ms, 1 s, 2.0, 0.2.
     *
     * @param min    the first pause, zero or more
     * @param max    the longest pause, at least min
     * @param factor the growth per retry, at least 1.0
     * @param jitter the random spread as a fraction, 0.0 to 1.0
     * @return this builder
     */
    public MultiPool.Builder<C> backoff(Duration min, Duration max, double factor, double jitter) {
        return backoffMin(min).backoffMax(max).backoffFactor(factor).backoffJitter(jitter);
    }

    /**
     * The first retry pause ({@code retry.backoff.min}). Default 10 ms.
     *
     * @param min zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> backoffMin(Duration min) {
        draft.backoffMin = min;
        return self();
    }

    /**
     * The longest retry pause ({@code retry.backoff.max}). Default 1 s.
     *
     * @param max at least the min
     * @return this builder
     */
    public MultiPool.Builder<C> backoffMax(Duration max) {
        draft.backoffMax = max;
        return self();
    }

    /**
     * The growth of the pause per retry ({@code retry.backoff.factor}). Default 2.0.
     *
     * @param factor at least 1.0
     * @return this builder
     */
    public MultiPool.Builder<C> backoffFactor(double factor) {
        draft.backoffFactor = factor;
        return self();
    }

    /**
     * The random spread of each pause, as a fraction ({@code retry.backoff.jitter}). Default 0.2.
     *
     * @param jitter 0.0 to 1.0
     * @return this builder
     */
    public MultiPool.Builder<C> backoffJitter(double jitter) {
        draft.backoffJitter = jitter;
        return self();
    }

    /**
     * When a server is ejected and for how long ({@code ejection.*}): after {@code consecutiveFailures}
     * failures in a row, for {@code baseTime x 2^(n-1)} (n: its ejection count, which decays by one per
     * {@code maxTime} spent healthy), capped at {@code maxTime}; never more than {@code maxPercent} of
     * the servers at once (at least one when it is above 0), and never all. Default 3, 1 s, 30 s, 50.
     *
     * @param consecutiveFailures at least 1
     * @param baseTime            the first ejection's length, positive
     * @param maxTime             the cap, at least baseTime
     * @param maxPercent          0 (never eject) to 100
     * @return this builder
     */
    public MultiPool.Builder<C> ejection(int consecutiveFailures, Duration baseTime, Duration maxTime, int maxPercent) {
        return ejectionConsecutiveFailures(consecutiveFailures).ejectionBaseTime(baseTime)
                .ejectionMaxTime(maxTime).ejectionMaxPercent(maxPercent);
    }

    /**
     * Failures in a row that eject a server ({@code ejection.consecutive-failures}). Default 3.
     *
     * @param consecutiveFailures at least 1
     * @return this builder
     */
    public MultiPool.Builder<C> ejectionConsecutiveFailures(int consecutiveFailures) {
        draft.ejectionFailures = consecutiveFailures;
        return self();
    }

    /**
     * The first ejection's length ({@code ejection.base-time}). Default 1 s.
     *
     * @param baseTime positive
     * @return this builder
     */
    public MultiPool.Builder<C> ejectionBaseTime(Duration baseTime) {
        draft.ejectionBaseTime = baseTime;
        return self();
    }

    /**
     * The longest ejection ({@code ejection.max-time}). Default 30 s.
     *
     * @param maxTime at least the base time
     * @return this builder
     */
    public MultiPool.Builder<C> ejectionMaxTime(Duration maxTime) {
        draft.ejectionMaxTime = maxTime;
        return self();
    }

    /**
     * The most servers ejected at once, in percent ({@code ejection.max-percent}). Default 50.
     *
     * @param maxPercent 0 (never eject) to 100
     * @return this builder
     */
    public MultiPool.Builder<C> ejectionMaxPercent(int maxPercent) {
        draft.ejectionMaxPercent = maxPercent;
        return self();
    }

    /**
     * How long {@link MultiPool#close()} waits for leased connections ({@code shutdown-timeout}).
     * Default 10 s.
     *
     * @param shutdownTimeout zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> shutdownTimeout(Duration shutdownTimeout) {
        draft.shutdownTimeout = shutdownTimeout;
        return self();
    }

    /**
     * A lease held longer than this is logged once as a possible leak, with the stack trace of the
     * borrow, and counted in {@link ServerStats#overdueLeases()} ({@code leak-detection-threshold}).
     * Zero, the default, turns leak detection off; when on, each borrow records its stack trace.
     *
     * @param threshold zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> leakDetectionThreshold(Duration threshold) {
        draft.leakDetectionThreshold = threshold;
        return self();
    }

    /**
     * How often each server is probed ({@code health-check.interval}); zero turns active health checking
     * off, leaving health to traffic alone. Default 10 s.
     *
     * <p>A probe opens a <em>new</em> connection to the server (the factory's {@code create}, with
     * whatever handshake it does), has the factory {@linkplain ConnectionFactory#probe prove} the server
     * answers on it (by default {@linkplain ConnectionFactory#validate validate}), then closes it (a trial
     * proves a server the same way): a connect is what every failover and every restart of a server tests, an idle connection proves
     * nothing about it, and taking one would disturb idle-timeout and the idle order. A probe that fails
     * counts as a {@link FailureKind#SERVER} failure and a verdict: the server is charged
     * {@code ejection.consecutive-failures} at once, so it is ejected (within {@code ejection.max-percent}),
     * or stays failing, not {@linkplain ServerStats#usable() usable}, when the cap keeps it in. A passed
     * probe makes such a failing server usable again. A probing server's probe is its trial. Ejected and
     * draining servers are not probed (an ejection's end brings a trial of its own); a server without room
     * for one more connection (max-active, max-total) is skipped that round: its traffic judges it. Each
     * server has one probe at a time; probes run on the pool's housekeeping thread, one after the other.
     * Probes count in {@link ServerStats#created()} and {@link ServerStats#destroyed()}.
     *
     * <p>So an idle server that dies is ejected within the interval plus the factory's connect timeout,
     * and a pool whose servers all refuse connections is {@code DOWN} within that time. Each server is
     * probed every 80% to 100% of the interval, at random, the first time within 50% to 100% of it after
     * it joined, so that the probes of many servers (and of many pools) spread out.
     *
     * <p><b>Why 10 s:</b> a readiness probe (Kubernetes checks every 10 s by default) sees a pool that lost
     * its servers at its next check or the one after; and the cost stays small on thousands of servers:
     * one connect per server per 10 s, that is 100 short connections a second for a pool of 1,000
     * servers, spread over the interval. Shorter finds a dead server sooner at the price of more connects
     * (on every server, from every client); longer, or 0, when the traffic is steady enough to judge.
     *
     * @param interval 0 (off), or at least 10 ms
     * @return this builder
     */
    public MultiPool.Builder<C> healthCheckInterval(Duration interval) {
        draft.healthCheckInterval = interval;
        return self();
    }

    /**
     * How keys are placed on servers ({@code affinity.algorithm}; see {@link MultiPool#serverFor(String)}).
     * Default {@link AffinityAlgorithm#RENDEZVOUS}: O(1) picks and even shares; {@link AffinityAlgorithm#KETAMA}
     * to send each key where libketama and spymemcached send it.
     *
     * @param algorithm the algorithm
     * @return this builder
     */
    public MultiPool.Builder<C> affinityAlgorithm(AffinityAlgorithm algorithm) {
        draft.affinityAlgorithm = algorithm;
        return self();
    }

    /**
     * How long a server that was out (ejected, or removed and added again) must have been {@code ACTIVE}
     * before the keys it owns come back to it from their fallbacks ({@code affinity.return-delay}); zero
     * for at once. Default 30 s.
     *
     * <p><b>Why 30 s:</b> a key that moves serves misses (a cache) or stale values (a store written on its
     * fallback meanwhile) on the server it moves to, so a flapping server should move its keys twice, not at
     * each flap. An ejected server that keeps failing comes back after 1, 2, 4, 8, 16 s of ejection (the
     * default {@code ejection.*}); 30 s up, the default {@code ejection.max-time}, outlasts that ladder and a
     * health probe's 10 s interval twice, while a restarted server gets its keys back within a minute.
     *
     * @param returnDelay zero or more
     * @return this builder
     */
    public MultiPool.Builder<C> affinityReturnDelay(Duration returnDelay) {
        draft.affinityReturnDelay = returnDelay;
        return self();
    }

    /**
     * Bounded loads for keyed work ({@code affinity.load-bound}): a key's server is passed over for the next
     * one on the ring when its leased connections, with one more, would exceed this factor times the mean
     * over the servers accepting borrows (rounded up), so that a hot key spills over to its next servers
     * rather than swamping its owner (consistent hashing with bounded loads; Envoy's
     * {@code hash_balance_factor}). Zero, the default, turns it off: a key goes to its owner however busy.
     * 1.25 keeps every server within 25% of the mean at the price of moving the hottest keys' overflow;
     * when on, the pool keeps a count of all its leases (one striped counter update per lease and return).
     *
     * @param factor 0 (off), or at least 1.0
     * @return this builder
     */
    public MultiPool.Builder<C> affinityLoadBound(double factor) {
        draft.affinityLoadBound = factor;
        return self();
    }


    /**
     * The time constant over which the least-latency balancer forgets ({@code least-latency.decay}): a latency
     * sample's weight falls to 1/e after it, and a server nobody picks has its estimate halved per eighth of it
     * that it trails the one it is compared with, so it is tried again. Read only with
     * {@link Balancer#leastLatency()}. Default 2 s. <b>Why 2 s</b> (Finagle and Linkerd take 10 s): the estimate
     * is a peak, so a server that turns slow looks slow within its next leases whatever the decay; the decay
     * says how long a slow moment (a GC pause) keeps a server out of favour and how soon a slow server is tried
     * again: at 2 s, a 10x slower one a few times a second (one lease in thousands under load), so that it is
     * back in favour within a second of recovering. Longer for servers whose latency swings slowly.
     *
     * @param decay positive
     * @return this builder
     */
    public MultiPool.Builder<C> leastLatencyDecay(Duration decay) {
        draft.leastLatencyDecay = decay;
        return self();
    }

    /**
     * How long a server that joins ({@code addServer}, {@code updateServers}; not the configured ones) or is
     * re-admitted after an ejection takes to reach its full share ({@code slow-start.window}); 0 turns slow
     * start off. Default 10 s. Whatever the balancer, a pick of a ramping server stands with a probability
     * growing linearly from 10% to 100% over the window (Envoy's slow start, aggression 1), else the balancer
     * picks again; its new connections are opened at most max-active a second while another server could take
     * the load (a borrow may then wait for a returned one, within max-wait). Key affinity and pinned borrows are not ramped, only rate-limited. A pick
     * pays one volatile read while no server ramps. <b>Why 10 s:</b> a restarted process warms its caches and
     * JIT in seconds, and the default ejections of a server that keeps failing (1, 2, 4, 8 s) outlast it by the
     * third; longer for servers that warm slowly, 0 when servers are interchangeable at once.
     *
     * @param window zero (off) or more
     * @return this builder
     */
    public MultiPool.Builder<C> slowStartWindow(Duration window) {
        draft.slowStartWindow = window;
        return self();
    }

    /** How often idle connections are checked and min-idle refilled; derived from the timeouts by default. */
    MultiPool.Builder<C> housekeepingInterval(Duration interval) {
        draft.housekeepingInterval = interval;
        return self();
    }
}
