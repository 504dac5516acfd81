package dev.connpool;

import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wires one pool's parts together, in the one order their dependencies allow (see {@code docs/architecture.md}),
 * for {@link MultiPool}'s constructor: the wiring is a concern of its own, kept out of the facade.
 *
 * @param <C> the connection type
 */
final class PoolParts<C> {

    final PoolSettings settings;
    final NanoClock clock;
    final PoolErrors errors;
    final Listeners listeners;
    final ConnectionEngine<C> engine;
    final Housekeeper housekeeper;
    final ServerRegistry registry;
    final Shutdown<C> shutdown;
    final LeaseLifecycle<C> leases;
    final ServerBorrower<C> borrower;
    final AttemptLoop<C> attempts;
    final AffinityRouter affinity;
    final RetryBudget budget;
    final HedgedExecute<C> hedged; // null when hedge.delay is off
    /** Slow start of the servers that join or come back (not of the configured ones: armed after them). */
    private final SlowStart slowStart;

    PoolParts(PoolSettings settings, ConnectionFactory<C> factory, List<PoolListener> listeners, PoolMetrics metrics,
              NanoClock clock, HousekeepingScheduler scheduler, Random random, Executor hedgeExecutor) {
        String name = settings.name();
        this.settings = settings;
        this.clock = clock;
        this.errors = new PoolErrors(name);
        this.listeners = new Listeners(name, listeners);
        ServerMembers members = new ServerMembers(trialsByLease(factory)); // built in one direction: see Housekeeper
        this.slowStart = new SlowStart(settings, clock, members);
        LongAdder leasedTotal = AffinityRouter.leaseTotal(settings.affinity());
        this.engine = new ConnectionEngine<>(settings, errors, factory, members, this.listeners, clock, slowStart);
        this.housekeeper = new Housekeeper(settings, members, engine, clock, this.listeners,
                scheduler != null ? scheduler : HousekeepingScheduler.thread(name), random, slowStart);
        this.registry = new ServerRegistry(settings, errors, clock, this.listeners, members, housekeeper,
                factory::classify, EjectionPolicy.of(settings, clock), leasedTotal);
        this.shutdown = new Shutdown<>(settings, errors, registry, engine, housekeeper, clock);
        this.leases = new LeaseLifecycle<>(settings, errors, registry, engine, shutdown, clock);
        this.borrower = new ServerBorrower<>(settings, errors, registry, members, engine, leases, shutdown, metrics,
                clock);
        this.budget = new RetryBudget(settings.retry().budget(), clock);
        ServerPicker picker = new ServerPicker(members, slowStart, settings.balancer(), errors, settings.ejection(),
                settings.limits().maxActive(), clock, !settings.healthCheck().interval().isZero());
        this.attempts = new AttemptLoop<>(settings, errors, registry, borrower, picker, factory, shutdown, clock, budget);
        this.hedged = settings.hedge().enabled()
                ? new HedgedExecute<>(settings.hedge().delay(), hedgeExecutor, attempts, budget, errors, clock)
                : null;
        this.affinity = new AffinityRouter(settings.affinity(), registry, members, leasedTotal, errors, clock);
    }

    /**
     * Whether a borrower's lease is the trial of a probing server: unless the factory's probe is a round trip
     * ({@link ConnectionFactory#probeIsRoundTrip}), when the pool's own trial alone may re-admit it.
     *
     * @throws IllegalArgumentException when the factory says its probe is a round trip but inherits it (it only
     *                                  validates: a hung server would be let back in)
     */
    static boolean trialsByLease(ConnectionFactory<?> factory) {
        if (!factory.probeIsRoundTrip()) {
            return true;
        }
        try {
            if (factory.getClass().getMethod("probe", ServerAddress.class, Object.class).getDeclaringClass()
                    == ConnectionFactory.class) {
                throw new IllegalArgumentException(PoolErrors.probeInherited(factory));
            }
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("ConnectionFactory.probe not found on " + factory.getClass(), e);
        }
        return false;
    }

    /** Adds the configured servers and starts the background work; once, at the end of the pool's constructor. */
    void start() {
        settings.servers().forEach(registry::add);
        slowStart.arm(); // the initial servers start at full share; those that join or come back ramp
        housekeeper.start(registry);
    }
}
