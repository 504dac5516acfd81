package dev.connpool;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A percentile of recent latencies, for {@code hedge.delay: p95}: a log-linear histogram (16 buckets per power of
 * two, so a value is known to within 1/16) of the last 1,024 to 2,048 recorded latencies, kept as two halves: the
 * one being filled and the one before. Each latency is also kept under the server that answered it, in the same
 * two halves, so that the percentile can be taken <b>over the other servers</b>: {@link #delayNanos(ServerEntry)}
 * for a call waiting on server S is the percentile of the pool's latencies less S's own, how long the call would
 * very likely have taken elsewhere. A slow server's own latencies then never raise the delay of the calls that
 * wait on it, whatever share of the calls it gets (see docs/overload.md). The percentiles are worked out again
 * every 64 records, and each is read with one volatile read. Until {@link #MIN_SAMPLES} latencies are in, there
 * is none (-1); while the other servers have fewer than {@link #MIN_OTHERS}, the pool's percentile stands in for
 * theirs.
 *
 * <p>Lock-free recording (a map read and two array increments and one counter increment); the halves swap under
 * a lock that recorders only try. A record racing with a swap may be lost: the percentile is an estimate. A server
 * with no latency left in either half is forgotten at a swap. Thread-safe.
 */
final class LatencyPercentile {

    static final int MIN_SAMPLES = 128;
    static final int MIN_OTHERS = 64;
    static final int HALF = 1024;
    private static final int SUB_BITS = 4;
    private static final int BUCKETS = 64 << SUB_BITS;
    private static final int RECOMPUTE_EVERY = 64;

    /** One histogram in two halves, and, for a server's, the percentile of the others. */
    private static final class Counts {
        final AtomicIntegerArray[] halves = {new AtomicIntegerArray(BUCKETS), new AtomicIntegerArray(BUCKETS)};
        volatile long othersDelay = -1;

        long both(int bucket) {
            return (long) halves[0].get(bucket) + halves[1].get(bucket);
        }
    }

    private final double percentile;
    private final AtomicLong recorded = new AtomicLong();
    private final ReentrantLock swap = new ReentrantLock();
    private final Counts pool = new Counts();
    private final Map<ServerEntry, Counts> servers = new ConcurrentHashMap<>();
    private volatile int filling;
    private volatile long delayNanos = -1;
    private volatile long smallestDelay = -1;

    /** @param percentile above 0 and below 100, such as 95 */
    LatencyPercentile(double percentile) {
        this.percentile = percentile;
    }

    /** Adds one latency of no particular server. */
    void record(long nanos) {
        record(null, nanos);
    }

    /** Adds one latency, answered by {@code server} (null: of no particular server). */
    void record(ServerEntry server, long nanos) {
        int bucket = bucket(Math.max(0, nanos));
        int half = filling;
        if (server != null) {
            Counts own = servers.get(server);
            if (own == null) {
                own = servers.computeIfAbsent(server, s -> new Counts());
            }
            own.halves[half].incrementAndGet(bucket);
        }
        pool.halves[half].incrementAndGet(bucket);
        long n = recorded.incrementAndGet();
        if (n % HALF == 0) {
            swapHalves();
        } else if (n % RECOMPUTE_EVERY == 0 && n >= MIN_SAMPLES) {
            recompute();
        }
    }

    /**
     * Returns the percentile of the recent latencies of the whole pool: the upper bound of the bucket it falls in.
     *
     * @return nanoseconds, or -1 while fewer than {@link #MIN_SAMPLES} were recorded
     */
    long delayNanos() {
        return delayNanos;
    }

    /**
     * Returns the delay for a call that waits on {@code waitedOn}: the percentile of the other servers' recent
     * latencies (the pool's when they have too few, or when {@code waitedOn} answered none); for a call whose
     * server is not known yet (null), the smallest of these delays, so that no hedge comes late.
     *
     * @return nanoseconds, or -1 while fewer than {@link #MIN_SAMPLES} were recorded
     */
    long delayNanos(ServerEntry waitedOn) {
        long pooled = delayNanos;
        if (pooled < 0) {
            return -1;
        }
        if (waitedOn == null) {
            long smallest = smallestDelay;
            return smallest < 0 ? pooled : smallest;
        }
        Counts own = servers.get(waitedOn);
        long others = own == null ? -1 : own.othersDelay;
        return others < 0 ? pooled : others;
    }

    private void swapHalves() {
        if (!swap.tryLock()) {
            return;
        }
        try {
            int next = 1 - filling;
            clear(pool.halves[next]);
            for (Iterator<Counts> it = servers.values().iterator(); it.hasNext(); ) {
                Counts own = it.next();
                clear(own.halves[next]);
                if (empty(own.halves[1 - next])) {
                    it.remove(); // nothing of it left: a server that left the pool, or answers nothing now
                }
            }
            filling = next;
            recompute();
        } finally {
            swap.unlock();
        }
    }

    private void recompute() {
        long[] counts = new long[BUCKETS];
        long total = 0;
        int low = BUCKETS;
        int high = -1;
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = pool.both(i);
            total += counts[i];
            if (counts[i] != 0) {
                low = Math.min(low, i);
                high = i;
            }
        }
        if (total < MIN_SAMPLES) {
            return;
        }
        long pooled = percentileOf(counts, total, low, high);
        long smallest = pooled;
        long[] others = new long[BUCKETS];
        for (Counts own : servers.values()) {
            long othersTotal = 0;
            for (int i = low; i <= high; i++) {
                others[i] = Math.max(0, counts[i] - own.both(i));
                othersTotal += others[i];
            }
            long delay = othersTotal >= MIN_OTHERS ? percentileOf(others, othersTotal, low, high) : pooled;
            own.othersDelay = delay;
            smallest = Math.min(smallest, delay);
        }
        smallestDelay = smallest;
        delayNanos = pooled;
    }

    private long percentileOf(long[] counts, long total, int low, int high) {
        long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
        long seen = 0;
        for (int i = low; i <= high; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        return upperBound(high);
    }

    private static void clear(AtomicIntegerArray counts) {
        for (int i = 0; i < BUCKETS; i++) {
            counts.set(i, 0);
        }
    }

    private static boolean empty(AtomicIntegerArray counts) {
        for (int i = 0; i < BUCKETS; i++) {
            if (counts.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The bucket of a latency: exact below 16 ns, then 16 buckets per power of two. */
    static int bucket(long nanos) {
        if (nanos < (1L << SUB_BITS)) {
            return (int) nanos;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        int mantissa = (int) (nanos >>> (exponent - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        return ((exponent - SUB_BITS + 1) << SUB_BITS) | mantissa;
    }

    /** The largest latency in a bucket. */
    static long upperBound(int bucket) {
        if (bucket < (1 << SUB_BITS)) {
            return bucket;
        }
        int exponent = (bucket >>> SUB_BITS) + SUB_BITS - 1;
        long mantissa = bucket & ((1 << SUB_BITS) - 1);
        long low = (1L << exponent) | (mantissa << (exponent - SUB_BITS));
        return low + (1L << (exponent - SUB_BITS)) - 1;
    }
}
