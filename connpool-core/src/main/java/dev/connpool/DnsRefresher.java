package dev.connpool;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolutions of a {@link DnsServerSource}, on one daemon thread ({@code connpool-<pool>-dns}): one every
 * refresh interval, one when a removal falls due sooner, and one early when a server of the pool is
 * ejected (at most one per {@link #EARLY_GAP_NANOS}). Each answer goes to the {@link ServerSourceSupport};
 * a resolution that fails, or finds no address, is an outage there (the pool keeps its servers).
 *
 * <p>The scheduling fields are the thread's own.
 */
final class DnsRefresher {

    /** The least time between a resolution and an early one: a burst of ejections costs one resolution. */
    static final long EARLY_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final Logger log = LoggerFactory.getLogger(DnsRefresher.class);

    private final String name;
    private final int port;
    private final long intervalNanos;
    private final DnsResolver resolver;
    private final ServerSourceSupport support;
    private final ServerSourceSupport.Clock clock;
    private final ScheduledThreadPoolExecutor executor;
    private final DnsSampling sampling = new DnsSampling();
    private final AtomicBoolean earlyQueued = new AtomicBoolean();
    private volatile long lastResolutionNanos;
    private volatile Thread thread;
    private ScheduledFuture<?> next;
    private String lastSkippedLogged = "";

    DnsRefresher(String poolName, String name, int port, Duration interval, DnsResolver resolver,
                 ServerSourceSupport support, ServerSourceSupport.Clock clock) {
        this.name = name;
        this.port = port;
        this.intervalNanos = interval.toNanos();
        this.resolver = resolver;
        this.support = support;
        this.clock = clock;
        String threadName = "connpool-" + poolName + "-dns";
        this.executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    /**
     * Queues a resolution now, for {@code start()} or a test to wait on.
     *
     * @throws RejectedExecutionException when stopped
     */
    Future<?> resolveSoon() {
        return executor.submit(this::resolve);
    }

    /** A server of the pool failed: resolve again soon, at most once per {@link #EARLY_GAP_NANOS}. */
    void early() {
        if (support.closed() || !earlyQueued.compareAndSet(false, true)) {
            return;
        }
        long wait = Math.max(0, lastResolutionNanos + EARLY_GAP_NANOS - clock.nanoTime());
        try {
            executor.schedule(() -> {
                earlyQueued.set(false);
                log.debug("{}: a server was ejected; resolving early", support.label());
                resolve();
            }, wait, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            earlyQueued.set(false);
        }
    }

    /** One resolution and its answer; the next one scheduled. On the thread. */
    private void resolve() {
        if (support.closed()) {
            return;
        }
        if (next != null) {
            next.cancel(false);
            next = null;
        }
        lastResolutionNanos = clock.nanoTime();
        long nextNanos = intervalNanos;
        try {
            Optional<Duration> removalDue = answer();
            if (removalDue.isPresent()) {
                nextNanos = Math.min(nextNanos, Math.max(1, removalDue.get().toNanos()));
            }
        } catch (PoolClosedException e) {
            support.failed("the pool was closed");
            if (support.close()) {
                log.info("{}: the pool was closed; the source stops", support.label());
            }
            executor.shutdown();
            return;
        } catch (RuntimeException | Error e) { // the executor would swallow it
            support.unreachable("resolving " + name + " failed: " + e);
            log.error("{}: resolving failed unexpectedly", support.label(), e);
        }
        try {
            next = executor.schedule(this::resolve, nextNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            next = null;
        }
    }

    /** Resolves and gives the answer to the support; empty when there is no removal pending. */
    private Optional<Duration> answer() {
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (IOException | RuntimeException e) { // an outage, logged once: not an error every interval
            support.unreachable("resolving " + name + " failed: " + e);
            return Optional.empty();
        }
        if (addresses == null || addresses.isEmpty()) {
            support.unreachable(name + " resolved to no address (an empty answer is taken as an outage)");
            return Optional.empty();
        }
        Set<ServerAddress> listed = new LinkedHashSet<>();
        List<String> skipped = new ArrayList<>();
        for (InetAddress address : addresses) {
            String host = address.getHostAddress();
            int scope = host.indexOf('%');
            try {
                listed.add(ServerAddress.of(scope >= 0 ? host.substring(0, scope) : host, port));
            } catch (IllegalArgumentException e) {
                skipped.add(host + ": " + e.getMessage());
            }
        }
        logSkipped(skipped);
        if (listed.isEmpty()) {
            support.unreachable(name + " resolved to no usable address " + skipped);
            return Optional.empty();
        }
        ServerSourceState before = support.state();
        Set<ServerAddress> known = new LinkedHashSet<>(before.servers());
        known.addAll(before.removing());
        known.addAll(listed);
        int needed = sampling.answersNeeded(listed, known.size());
        if (needed > 1) {
            log.debug("{}: {} of {} known addresses: a sample; a missing one is drained once missing from {} answers",
                    support.label(), listed.size(), known.size(), needed);
        }
        return support.answered(listed, Set.of(), skipped, needed);
    }

    private void logSkipped(List<String> skipped) {
        String text = skipped.toString();
        if (!skipped.isEmpty() && !text.equals(lastSkippedLogged)) {
            log.warn("{}: skipped addresses {}", support.label(), skipped);
        }
        lastSkippedLogged = skipped.isEmpty() ? "" : text;
    }

    /** Stops: a resolution under way finishes, queued ones do not run; waits up to {@code waitMillis} unless on the thread. */
    void shutdown(long waitMillis) {
        executor.shutdown();
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!executor.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow(); // a resolver stuck in the JDK: its daemon thread ends when it answers
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
