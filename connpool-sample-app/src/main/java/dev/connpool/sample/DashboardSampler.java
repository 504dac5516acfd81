package dev.connpool.sample;

import dev.connpool.MultiPool;
import dev.connpool.PoolStats;
import dev.connpool.ServerAddress;
import dev.connpool.ServerStats;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The dashboard's history: once per second, one {@link Sample} per pool, the last {@link #CAPACITY} of them
 * (five minutes) kept in a ring buffer per pool; older samples are dropped.
 *
 * <p>What a sample measures over the interval since the previous one (about a second):
 * <ul>
 *   <li><b>borrows per second</b>: the growth of {@link ServerStats#borrowed()} summed over the pool's
 *       servers, divided by the time between the two samples. Counted per server, so a server that leaves
 *       the pool does not make the rate negative.</li>
 *   <li><b>acquire mean</b>: from the {@code connpool.connections.acquire} timer (tag {@code pool}),
 *       Δ total time / Δ count between the two samples: the exact mean of the acquisitions of that
 *       interval. {@code null} when there was none. This needs a cumulative timer, as Spring Boot's
 *       default (simple) registry and Prometheus keep.</li>
 *   <li><b>acquire max</b>: the timer's {@code max()}. Micrometer keeps a decaying max; application.yml
 *       makes its window 1–2 s for this timer ({@code expiry} 1s, {@code buffer-length} 2), so the value
 *       read each second is the longest acquisition of the last second or two. {@code null} when the
 *       interval had no acquisition.</li>
 *   <li><b>active, idle, waiting</b>: the pool's totals at the moment of the sample.</li>
 * </ul>
 * The first sample of a pool only sets the baseline. Thread-safe.
 */
@Component
public class DashboardSampler {

    /** Samples kept per pool: five minutes at one per second. */
    public static final int CAPACITY = 300;
    /** How often {@link #sample()} runs. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    static final String ACQUIRE_TIMER = "connpool.connections.acquire";

    /**
     * One point of a pool's history.
     *
     * @param time              when it was taken (epoch milliseconds)
     * @param borrowsPerSecond  leases handed out per second since the previous sample
     * @param acquireMeanMillis mean acquire time since the previous sample, or {@code null} without acquisitions
     * @param acquireMaxMillis  longest acquire time of the last 1–2 s, or {@code null} without acquisitions
     * @param active            connections lent out now
     * @param idle              idle connections now
     * @param waiting           borrowers waiting now
     */
    public record Sample(long time, double borrowsPerSecond, Double acquireMeanMillis, Double acquireMaxMillis,
                         int active, int idle, int waiting) {
    }

    private final MultiPoolRegistry pools;
    private final ObjectProvider<MeterRegistry> meterRegistry;
    private final Map<String, PoolHistory> histories = new ConcurrentHashMap<>();

    public DashboardSampler(MultiPoolRegistry pools, ObjectProvider<MeterRegistry> meterRegistry) {
        this.pools = pools;
        this.meterRegistry = meterRegistry;
    }

    /** Takes one sample of every pool. */
    @Scheduled(fixedRate = 1000)
    public void sample() {
        long nanos = System.nanoTime();
        long now = System.currentTimeMillis();
        MeterRegistry meters = meterRegistry.getIfUnique();
        for (MultiPool<?> pool : pools) {
            Timer acquire = meters == null ? null : meters.find(ACQUIRE_TIMER).tag("pool", pool.name()).timer();
            histories.computeIfAbsent(pool.name(), name -> new PoolHistory(CAPACITY))
                    .add(pool.stats(), acquire, nanos, now);
        }
    }

    /**
     * Returns a pool's history, oldest first.
     *
     * @param pool the pool's name
     * @return at most {@link #CAPACITY} samples; empty before the second sample
     */
    public List<Sample> history(String pool) {
        PoolHistory history = histories.get(pool);
        return history == null ? List.of() : history.samples();
    }

    /** The ring buffer of one pool, and what the next sample is measured against. */
    static final class PoolHistory {

        private final int capacity;
        private final ArrayDeque<Sample> samples;
        private Map<ServerAddress, Long> borrowed;
        private long nanos;
        private long acquireCount;
        private double acquireNanos;

        PoolHistory(int capacity) {
            this.capacity = capacity;
            this.samples = new ArrayDeque<>(capacity);
        }

        synchronized void add(PoolStats stats, Timer acquire, long nanosNow, long timeNow) {
            Map<ServerAddress, Long> borrowedNow = new HashMap<>();
            for (ServerStats server : stats.servers()) {
                borrowedNow.put(server.server(), server.borrowed());
            }
            long count = acquire == null ? 0 : acquire.count();
            double total = acquire == null ? 0 : acquire.totalTime(TimeUnit.NANOSECONDS);
            if (borrowed != null && nanosNow > nanos) {
                double seconds = (nanosNow - nanos) / 1e9;
                long borrows = 0;
                for (Map.Entry<ServerAddress, Long> e : borrowedNow.entrySet()) {
                    borrows += Math.max(0, e.getValue() - borrowed.getOrDefault(e.getKey(), 0L));
                }
                long acquisitions = count - acquireCount;
                Double mean = null;
                Double max = null;
                if (acquisitions > 0) {
                    mean = (total - acquireNanos) / acquisitions / 1e6;
                    max = acquire.max(TimeUnit.MILLISECONDS);
                }
                if (samples.size() == capacity) {
                    samples.removeFirst();
                }
                samples.addLast(new Sample(timeNow, borrows / seconds, mean, max,
                        stats.active(), stats.idle(), stats.waiting()));
            }
            borrowed = borrowedNow;
            nanos = nanosNow;
            acquireCount = count;
            acquireNanos = total;
        }

        synchronized List<Sample> samples() {
            return List.copyOf(samples);
        }
    }
}
