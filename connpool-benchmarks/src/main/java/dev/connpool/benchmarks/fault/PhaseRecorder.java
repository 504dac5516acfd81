package dev.connpool.benchmarks.fault;

import dev.connpool.ServerAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * What the callers and the pool's listener tell during one phase: the calls that started within the
 * measurement window (each one recorded when it ends, however late), their latencies, outcomes, servers and
 * attempts; the calls served per server per {@link #BUCKET} (when they ended); the pool's ejections and
 * re-admissions. Times are nanoseconds from the start of the measurement. Thread-safe: each caller keeps a
 * histogram of its own and hands it in at the end ({@link #merge}).
 */
final class PhaseRecorder {

    /** The resolution of the share timeline. */
    static final Duration BUCKET = Duration.ofMillis(100);
    /** Latencies are recorded in microseconds, up to an hour. */
    static final long HIGHEST_MICROS = 3_600_000_000L;

    private final long startNanos;
    private final long lengthNanos;
    private final long slowNanos;
    private final int buckets;
    private final List<ServerAddress> servers;
    private final Histogram latencies = newHistogram();
    private final LongAdder started = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final AtomicLongArray served;
    private final AtomicLongArray timeline;
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<SlowCall> slowCalls = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<PoolEvent> poolEvents = new ConcurrentLinkedQueue<>();

    /**
     * @param startNanos the start of the measurement ({@link System#nanoTime()})
     * @param length     its length
     * @param slow       a call at least this long is slow
     */
    PhaseRecorder(long startNanos, Duration length, Duration slow, List<ServerAddress> servers) {
        this.startNanos = startNanos;
        this.lengthNanos = length.toNanos();
        this.slowNanos = slow.toNanos();
        this.servers = List.copyOf(servers);
        this.buckets = (int) (lengthNanos / BUCKET.toNanos()) + 1;
        this.served = new AtomicLongArray(servers.size());
        this.timeline = new AtomicLongArray(servers.size() * buckets);
    }

    static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, 3);
    }

    long startNanos() {
        return startNanos;
    }

    long lengthNanos() {
        return lengthNanos;
    }

    /** Whether a call started at {@code nanos} is measured. */
    boolean measures(long nanos) {
        long offset = nanos - startNanos;
        return offset >= 0 && offset < lengthNanos;
    }

    /** Whether a call starting at {@code nanos} comes after the measurement: the callers stop. */
    boolean over(long nanos) {
        return nanos - startNanos >= lengthNanos;
    }

    void started() {
        started.increment();
    }

    /** A measured call that {@code server} served. */
    void succeeded(ServerAddress server, long start, long end, int attempts, Histogram own) {
        ended(start, end, attempts, own);
        succeeded.increment();
        int index = servers.indexOf(server);
        served.incrementAndGet(index);
        long bucket = (end - startNanos) / BUCKET.toNanos();
        if (bucket >= 0 && bucket < buckets) {
            timeline.incrementAndGet(index * buckets + (int) bucket);
        }
    }

    /** A measured call that threw {@code failure}. */
    void failed(RuntimeException failure, long start, long end, int attempts, Histogram own) {
        ended(start, end, attempts, own);
        failed.increment();
        errors.computeIfAbsent(failure.getClass().getSimpleName(), k -> new LongAdder()).increment();
    }

    private void ended(long start, long end, int attempts, Histogram own) {
        own.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, (end - start) / 1000)));
        this.attempts.add(attempts);
        if (end - start >= slowNanos) {
            slowCalls.add(new SlowCall(start - startNanos, end - startNanos));
        }
    }

    /** A caller's histogram, at its end. */
    synchronized void merge(Histogram own) {
        latencies.add(own);
    }

    /** The pool ejected ({@code out}) or re-admitted a server, now. */
    void poolEvent(ServerAddress server, boolean out) {
        poolEvents.add(new PoolEvent(servers.indexOf(server), out, System.nanoTime() - startNanos));
    }

    // ---- the figures, once the callers have stopped ----------------------------------------------------

    synchronized Histogram latencies() {
        return latencies.copy();
    }

    long startedCalls() {
        return started.sum();
    }

    long succeededCalls() {
        return succeeded.sum();
    }

    long failedCalls() {
        return failed.sum();
    }

    long attempts() {
        return attempts.sum();
    }

    long[] served() {
        long[] s = new long[served.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = served.get(i);
        }
        return s;
    }

    /** Calls of {@code server} that ended in each bucket. */
    long servedIn(int server, int bucket) {
        return bucket < 0 || bucket >= buckets ? 0 : timeline.get(server * buckets + bucket);
    }

    int buckets() {
        return buckets;
    }

    int serverCount() {
        return servers.size();
    }

    Map<String, Long> errors() {
        Map<String, Long> sorted = new TreeMap<>();
        errors.forEach((k, v) -> sorted.put(k, v.sum()));
        return sorted;
    }

    /** The slow calls, in the order they started. */
    List<SlowCall> slowCalls() {
        List<SlowCall> calls = new ArrayList<>(slowCalls);
        calls.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
        return calls;
    }

    /** The pool's ejections and re-admissions, in order. */
    List<PoolEvent> poolEvents() {
        List<PoolEvent> events = new ArrayList<>(poolEvents);
        events.sort((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
        return events;
    }

    /** A call that took at least the slow threshold: when it started and ended. */
    record SlowCall(long startNanos, long endNanos) {
    }

    /** The pool ejected ({@code out}) or re-admitted server {@code server} at {@code atNanos}. */
    record PoolEvent(int server, boolean out, long atNanos) {
    }
}
