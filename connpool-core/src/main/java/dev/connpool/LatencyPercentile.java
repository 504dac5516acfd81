package dev.connpool;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A percentile of recent latencies, for {@code hedge.delay: p95}: a log-linear histogram (16 buckets per power of
 * two, so a value is known to within 1/16) of the last 1,024 to 2,048 recorded latencies, kept as two halves: the
 * one being filled and the one before. The percentile is worked out again every 64 records, and read with one
 * volatile read. Until {@link #MIN_SAMPLES} latencies are in, there is none ({@link #delayNanos()} is -1).
 *
 * <p>Lock-free recording (one array increment and one counter increment); the halves swap under a lock that
 * recorders only try. A record racing with a swap may be lost: the percentile is an estimate. Thread-safe.
 */
final class LatencyPercentile {

    static final int MIN_SAMPLES = 128;
    static final int HALF = 1024;
    private static final int SUB_BITS = 4;
    private static final int BUCKETS = 64 << SUB_BITS;
    private static final int RECOMPUTE_EVERY = 64;

    private final double percentile;
    private final AtomicLong recorded = new AtomicLong();
    private final ReentrantLock swap = new ReentrantLock();
    private volatile AtomicLongArray filling = new AtomicLongArray(BUCKETS);
    private volatile AtomicLongArray before = new AtomicLongArray(BUCKETS);
    private volatile long delayNanos = -1;

    /** @param percentile above 0 and below 100, such as 95 */
    LatencyPercentile(double percentile) {
        this.percentile = percentile;
    }

    /** Adds one latency. */
    void record(long nanos) {
        filling.incrementAndGet(bucket(Math.max(0, nanos)));
        long n = recorded.incrementAndGet();
        if (n % HALF == 0) {
            swapHalves();
        } else if (n % RECOMPUTE_EVERY == 0 && n >= MIN_SAMPLES) {
            recompute();
        }
    }

    /**
     * Returns the percentile of the recent latencies: the upper bound of the bucket it falls in.
     *
     * @return nanoseconds, or -1 while fewer than {@link #MIN_SAMPLES} were recorded
     */
    long delayNanos() {
        return delayNanos;
    }

    private void swapHalves() {
        if (!swap.tryLock()) {
            return;
        }
        try {
            AtomicLongArray old = before;
            for (int i = 0; i < BUCKETS; i++) {
                old.set(i, 0);
            }
            before = filling;
            filling = old;
            recompute();
        } finally {
            swap.unlock();
        }
    }

    private void recompute() {
        AtomicLongArray a = filling;
        AtomicLongArray b = before;
        long[] counts = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = a.get(i) + b.get(i);
            total += counts[i];
        }
        if (total < MIN_SAMPLES) {
            return;
        }
        long rank = (long) Math.ceil(percentile / 100.0 * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                delayNanos = upperBound(i);
                return;
            }
        }
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
