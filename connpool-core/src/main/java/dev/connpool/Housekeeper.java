package dev.connpool;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's own background thread (and its probe threads, for what connects): runs the idle connections' maintenance ({@link ConnectionEngine#maintain})
 * when it is due, ends ejections and has the server tried (so a recovered server comes back without user
 * traffic), probes every server with {@code health-check.interval} (both through {@link HealthProbes}),
 * begins and ends the slow start of a server that joined or came back ({@link SlowStart}),
 * keeps min-idle filled, closes the idle connections of ejected and removed servers, reports
 * suspected leaks. A task that throws anything, an {@link Error} included, is logged and the periodic
 * work goes on.
 *
 * <p><b>No cycle.</b> The {@link ServerRegistry} tells the housekeeper of each state transition (it is the
 * registry's {@link ServerRegistry.Actions}, given to its constructor), and the housekeeper's work reports
 * back to the registry (a trial's verdict, an ejection's end, a drain's end, a refill's failure). So the
 * housekeeper holds no registry: each transition hands it the registry that saw it, and {@link #start}
 * gets it for the periodic work, whose tasks carry it along. What it reads of the servers, it reads from
 * the {@link ServerMembers}, made before it. The pool is built in one direction (members, engine,
 * housekeeper, registry), with no setter and no object in use before it is whole.
 */
final class Housekeeper implements ServerRegistry.Actions {

    private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);

    private final String pool;
    private final PoolSettings settings;
    private final ServerMembers members;
    private final ConnectionEngine<?> engine;
    private final NanoClock clock;
    private final Listeners listeners;
    private final HousekeepingScheduler executor;
    private final HealthProbes probes;
    private final SlowStart slowStart;

    @SuppressWarnings("java:S107") // the parts of the pool it works with, built before it
    Housekeeper(PoolSettings settings, ServerMembers members, ConnectionEngine<?> engine, NanoClock clock,
                Listeners listeners, HousekeepingScheduler executor, java.util.Random random, SlowStart slowStart) {
        this.slowStart = slowStart;
        this.pool = settings.name();
        this.settings = settings;
        this.members = members;
        this.engine = engine;
        this.clock = clock;
        this.listeners = listeners;
        this.executor = executor;
        this.probes = new HealthProbes(settings, members, engine, this::schedule, this::runBlocking, random);
    }

    /** Starts the periodic work; refills report their failures to {@code registry}. */
    void start(ServerRegistry registry) {
        long leakThreshold = settings.leakDetection().threshold().toNanos();
        if (leakThreshold > 0) {
            long period = Math.max(PoolSettings.MIN_HOUSEKEEPING_INTERVAL.toNanos(), leakThreshold / 4);
            every(period, () -> reportLeaks(leakThreshold));
        }
        long interval = settings.housekeepingInterval().toNanos();
        schedule(this::maintain, interval);
        if (settings.limits().minIdle() > 0) {
            every(interval, () -> refillAll(registry));
        }
    }

    /** One maintenance run, and the next one when it says it is due (the interval if the run failed). */
    private void maintain() {
        long delay = settings.housekeepingInterval().toNanos();
        try {
            delay = engine.maintain(clock.nanoTime());
        } catch (Throwable t) {
            log.warn("pool '{}': maintenance of idle connections failed", pool, t);
        } finally {
            schedule(this::maintain, delay);
        }
    }

    /** Stops the thread; a connect in progress is interrupted. Returns once the thread is gone (or after 5 s). */
    void stop() {
        executor.shutdown();
    }

    @Override
    public void ejected(ServerRegistry registry, ServerEntry entry, long nanos) {
        slowStart.cancel(entry); // its trial connects at once; a re-admission ramps it again
        run(() -> engine.clearIdle(entry));
        schedule(() -> endEjection(registry, entry), nanos);
    }

    /**
     * Tries a server put on trial while every server fails, once {@code ejection.base-time} has passed since its
     * last failure (as a failing server's try waits): servers that all fail take turns, never in a tight loop.
     */
    @Override
    public void probing(ServerRegistry registry, ServerEntry entry) {
        long wait = entry.lastFailureNanos() + settings.ejection().baseTime().toNanos() - clock.nanoTime();
        schedule(() -> runBlocking(() -> probes.trial(registry, entry)), Math.max(0, wait));
    }

    @Override
    public void usable(ServerRegistry registry, ServerEntry entry) {
        long ramp = slowStart.begin(entry);
        if (ramp > 0) {
            schedule(() -> endRamp(entry), ramp);
        }
        probes.watch(registry, entry);
        if (settings.limits().minIdle() > 0) {
            run(() -> refill(registry, entry));
        }
    }

    @Override
    public void draining(ServerRegistry registry, ServerEntry entry) {
        engine.clearIdle(entry);
        registry.finishDrain(entry);
    }

    /** Ends a server's slow start when its window is over (later, when it began again meanwhile). */
    private void endRamp(ServerEntry entry) {
        long left = slowStart.end(entry);
        if (left > 0) {
            schedule(() -> endRamp(entry), left);
        }
    }

    private void endEjection(ServerRegistry registry, ServerEntry entry) {
        long left = registry.expire(entry);
        if (left > 0) {
            schedule(() -> endEjection(registry, entry), left);
        } else if (left == 0) {
            runBlocking(() -> probes.trial(registry, entry)); // it connects: off the housekeeping thread
        }
    }

    /** Logs, once per lease, every lease held longer than the threshold, with the stack trace of its borrow. */
    private void reportLeaks(long thresholdNanos) {
        long now = clock.nanoTime();
        for (ServerEntry entry : members.all()) {
            for (PooledConnection<?> pooled : entry.connections) {
                if (pooled.owner() != PooledConnection.NO_OWNER && !pooled.leakReported
                        && now - pooled.leasedAtNanos > thresholdNanos) {
                    pooled.leakReported = true;
                    long held = now - pooled.leasedAtNanos;
                    log.warn("pool '{}': a connection to {} has been leased for {} ms, more than leak-detection-threshold"
                            + " {} ms; a possible leak (close the lease)", pool, entry.address,
                            TimeUnit.NANOSECONDS.toMillis(held), TimeUnit.NANOSECONDS.toMillis(thresholdNanos),
                            pooled.borrowTrace);
                    listeners.leakSuspected(entry.address, java.time.Duration.ofNanos(held), pooled.borrowTrace);
                }
            }
        }
    }

    private void refillAll(ServerRegistry registry) {
        for (ServerEntry entry : members.all()) {
            if (executor.isShutdown()) {
                return;
            }
            refill(registry, entry);
        }
    }

    /** Opens connections until the server has min-idle idle ones (or is full); a failure counts against it. */
    private void refill(ServerRegistry registry, ServerEntry entry) {
        for (int i = 0; i < settings.limits().minIdle(); i++) {
            if (entry.state() != ServerState.ACTIVE || engine.isClosed()
                    || engine.idle(entry) >= settings.limits().minIdle()
                    || engine.idle(entry) + engine.active(entry) >= settings.limits().maxActive()) {
                return;
            }
            try {
                engine.addIdle(entry);
            } catch (PoolClosedException | NoServerAvailableException e) {
                return; // closed, or ejected / removed meanwhile: not a failure of the server
            } catch (RuntimeException e) {
                log.debug("pool '{}': filling min-idle of {} failed: {}", pool, entry.address, String.valueOf(e));
                registry.failed(entry, e, false, ServerStateChange.Origin.PROBE);
                return;
            }
        }
    }

    private void run(Runnable task) {
        try {
            executor.execute(guarded(task));
        } catch (RejectedExecutionException e) {
            log.debug("pool '{}': housekeeping task skipped, the pool is closing", pool);
        }
    }

    /**
     * Runs a task that connects (a probe, a trial) on the scheduler's probe threads; returns false when the
     * pool is closing and it was not run.
     */
    private boolean runBlocking(Runnable task) {
        try {
            executor.executeBlocking(guarded(task));
            return true;
        } catch (RejectedExecutionException e) {
            log.debug("pool '{}': probe skipped, the pool is closing", pool);
            return false;
        }
    }

    private void schedule(Runnable task, long nanos) {
        try {
            executor.schedule(guarded(task), nanos);
        } catch (RejectedExecutionException e) {
            log.debug("pool '{}': housekeeping task skipped, the pool is closing", pool);
        }
    }

    /** Runs {@code task} every {@code periodNanos}, counted from the end of the previous run. */
    private void every(long periodNanos, Runnable task) {
        schedule(() -> {
            try {
                task.run();
            } finally {
                every(periodNanos, task);
            }
        }, periodNanos);
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) { // an Error too: it must not end the periodic work
                log.warn("pool '{}': housekeeping task failed", pool, t);
            }
        };
    }
}
