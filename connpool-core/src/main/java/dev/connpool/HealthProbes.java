package dev.connpool;

import dev.connpool.ServerStateChange.Origin;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's own checks of its servers, run by the {@link Housekeeper} on its scheduler: the trial of a
 * probing server when its ejection ends (whatever {@code health-check.interval} says), and, with
 * {@code health-check.interval} above zero, the periodic health probe of every server (see
 * {@link MultiPool.Builder#healthCheckInterval} for what a probe is and what its verdict does).
 *
 * <p><b>The trial</b> depends on the factory ({@link ConnectionFactory#probeIsRoundTrip}). When its probe is a
 * round trip, the trial is the pool's alone (no borrower is given a probing server): a passed probe re-admits
 * the server, a failed one ejects it again; a trial that ends without a verdict (no room for a connection, the
 * borrow timed out) is tried again after {@code ejection.base-time}, or at the next health round, so that a
 * probing server is never left untried. When it is not, a passed probe proves nothing: the trial can eject the
 * server again (a refused connect, a failed probe), and otherwise leaves it to the first borrower's lease; only
 * when no borrower has tried it {@code ejection.base-time} later does the pool re-admit it on a connect.
 *
 * <p><b>One probe per server at a time.</b> Probes and trials connect, so they run on the scheduler's probe
 * threads ({@link HousekeepingScheduler#executeBlocking}): a hung server holds up neither maintenance nor the
 * probes of other servers. Each server has one chain of probes: the next is scheduled when
 * the last one is over, every 80% to 100% of the interval (the first within 50% to 100% of it), so a probe
 * never overlaps the server's previous one and is never more than the interval late. A probing server's
 * probe is its trial, which takes the server's one trial permit (that a borrow or the end of an ejection
 * may hold instead). A chain ends when its server has left the pool or the pool closes.
 */
final class HealthProbes {

    /** Schedules a task on the housekeeper's scheduler (guarded, skipped once it is shut down). */
    @FunctionalInterface
    interface Later {
        void schedule(Runnable task, long delayNanos);
    }

    /** Runs a task that connects on the scheduler's probe threads (guarded); false when it was skipped (closing). */
    @FunctionalInterface
    interface Blocking {
        boolean run(Runnable task);
    }

    private static final Logger log = LoggerFactory.getLogger(HealthProbes.class);

    private final String pool;
    private final long intervalNanos;
    /** How long a trial without a verdict waits before the next, when no health round comes (ejection.base-time). */
    private final long retryNanos;
    private final ServerMembers members;
    private final ConnectionEngine<?> engine;
    private final Later later;
    private final Blocking blocking;
    /** The jitter's source (seeded by tests, so that a fuzzer's run replays). */
    private final Random random;
    /** The servers with a chain of probes. */
    private final Set<ServerEntry> watched = ConcurrentHashMap.newKeySet();
    /** Trials by lease: the probing servers whose re-admission by the pool waits for a borrower's lease first. */
    private final Set<ServerEntry> untried = ConcurrentHashMap.newKeySet();

    HealthProbes(PoolSettings settings, ServerMembers members, ConnectionEngine<?> engine, Later later, Blocking blocking,
                 Random random) {
        this.pool = settings.name();
        this.intervalNanos = settings.healthCheck().interval().toNanos();
        this.retryNanos = settings.ejection().baseTime().toNanos();
        this.members = members;
        this.engine = engine;
        this.later = later;
        this.blocking = blocking;
        this.random = random;
    }

    /** Starts the chain of probes of a server that joined or came back, unless it has one (or checks are off). */
    void watch(ServerRegistry registry, ServerEntry entry) {
        if (intervalNanos > 0 && watched.add(entry)) {
            later.schedule(() -> round(registry, entry), delay(0.5));
        }
    }

    private void round(ServerRegistry registry, ServerEntry entry) {
        if (members.get(entry.address) != entry || engine.isClosed()) {
            watched.remove(entry); // gone (a server added again is a new entry, with a chain of its own)
            return;
        }
        Runnable check = switch (entry.state()) {
            case ACTIVE -> () -> probe(registry, entry);
            case PROBING -> () -> trial(registry, entry);
            default -> null; // its ejection's end brings a trial
        };
        if (check == null) {
            next(registry, entry);
            return;
        }
        // The check connects: it runs on a probe thread, and the next round is scheduled when it is over.
        boolean started = blocking.run(() -> {
            try {
                check.run();
            } finally {
                next(registry, entry);
            }
        });
        if (!started) {
            watched.remove(entry); // closing
        }
    }

    private void next(ServerRegistry registry, ServerEntry entry) {
        later.schedule(() -> round(registry, entry), delay(0.8));
    }

    /** Between {@code shortest} and 1 times the interval, at random. */
    private long delay(double shortest) {
        long least = (long) (intervalNanos * shortest);
        return least + random.nextLong(intervalNanos - least + 1);
    }

    /** The health probe of an active server: a new connection, probed and closed; the verdict to the registry. */
    private void probe(ServerRegistry registry, ServerEntry entry) {
        boolean probed;
        try {
            probed = engine.probe(entry);
        } catch (ConnectFailedException e) {
            if (members.get(entry.address) == entry && !engine.isClosed() && !Thread.currentThread().isInterrupted()) {
                log.debug("pool '{}': health probe of {} failed: {}", pool, entry.address, String.valueOf(e));
                registry.probeFailed(entry, e);
            }
            return;
        } catch (PoolClosedException | NoServerAvailableException e) {
            return; // closing, or ejected or removed meanwhile: no verdict
        }
        if (probed) {
            registry.probePassed(entry);
        } else {
            log.trace("pool '{}': {} has no room for a probe; its traffic judges it", pool, entry.address);
        }
    }

    /**
     * The trial of a probing server, unless another one runs already (a health round's, or a borrower's when
     * trials are by lease): a new connection on which the factory must prove the server answers
     * ({@link ConnectionFactory#probe}). With a round-trip probe, a pass re-admits the server (the connection
     * is returned to it). Without, a pass proves nothing (the connection is closed): the server stays on trial
     * for a borrower's lease, and only if none has tried it {@code ejection.base-time} later (no traffic through
     * the balancer: an idle pool, calls by key) does the pool re-admit it on a connect ({@link #untried}). A
     * failure ejects it again in both cases.
     */
    void trial(ServerRegistry registry, ServerEntry entry) {
        trial(registry, entry, !members.trialsByLease());
    }

    private void trial(ServerRegistry registry, ServerEntry entry, boolean readmits) {
        if (entry.state() != ServerState.PROBING || !entry.tryStartTrial()) {
            return; // out again, back, or removed meanwhile; or another trial runs
        }
        try {
            if (readmits) {
                engine.borrowProveAndReturn(entry);
            } else {
                engine.probe(entry); // connect and probe, then close: only a failure is a verdict
            }
        } catch (PoolClosedException e) {
            registry.trialAbandoned(entry);
            return;
        } catch (ConnectFailedException e) {
            registry.failed(entry, e, true, Origin.PROBE);
            return;
        } catch (RuntimeException e) {
            log.debug("pool '{}': probe of {} ended without a verdict: {}", pool, entry.address, String.valueOf(e));
            registry.trialAbandoned(entry);
            tryAgainLater(registry, entry);
            return;
        } catch (Error e) {
            registry.trialAbandoned(entry); // the permit goes back; the error is logged by the task's guard
            tryAgainLater(registry, entry);
            throw e;
        }
        if (readmits) {
            registry.trialSucceeded(entry, Origin.PROBE);
        } else {
            registry.trialAbandoned(entry); // a pass that proves nothing: a borrower's lease is the trial
            untried(registry, entry);
        }
    }

    /**
     * Trials by lease: a probing server that no borrower has tried {@code ejection.base-time} from now is
     * re-admitted by the pool's own trial (a connect; the factory's probe proves no more), so that a pool with
     * no traffic through the balancer (idle, or calling by key only) does not keep it out for good. One pending
     * per server.
     */
    private void untried(ServerRegistry registry, ServerEntry entry) {
        if (untried.add(entry)) {
            later.schedule(() -> {
                untried.remove(entry);
                blocking.run(() -> trial(registry, entry, true));
            }, retryNanos);
        }
    }

    /**
     * A trial ended without a verdict: the pool tries again after {@code ejection.base-time} (trials by lease:
     * a borrower or {@link #untried} will), unless a chain of health probes, whose next round tries it, runs.
     */
    private void tryAgainLater(ServerRegistry registry, ServerEntry entry) {
        if (members.trialsByLease()) {
            untried(registry, entry);
        } else if (intervalNanos == 0) {
            later.schedule(() -> blocking.run(() -> trial(registry, entry)), retryNanos);
        }
    }
}
