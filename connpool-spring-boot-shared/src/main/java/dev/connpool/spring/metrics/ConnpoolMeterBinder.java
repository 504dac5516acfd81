package dev.connpool.spring.metrics;

import dev.connpool.MultiPool;
import dev.connpool.PoolClosedException;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the meters of every pool of a {@link MultiPoolRegistry}, tagged {@code pool} and {@code server}:
 * the gauges {@code connpool.connections.active}, {@code .idle}, {@code .pending} (borrowers waiting, not
 * connections), {@code .max} (max-active) and {@code connpool.server.up} (1 while the server is usable, else
 * 0), and the function counters {@code connpool.connections.created}, {@code .destroyed} and
 * {@code connpool.server.ejections}; none has a base unit. It follows the pools: a server added at run time
 * gets its meters, a removed one loses
 * them. It also registers each pool's {@code connpool.connections.acquire} timer and
 * {@code connpool.connections.timeout} counter (tag {@code pool}), so that they show before the first
 * borrow; the pool's {@link dev.connpool.PoolMetrics} records into them. And per pool the function counters
 * {@code connpool.retries}, {@code connpool.retry.budget.exhausted}, {@code connpool.hedges},
 * {@code connpool.hedges.won} and {@code connpool.hedges.without.room} (tag {@code pool}), read from
 * {@link MultiPool#retryStats()}.
 *
 * <p>The meters hold the pools weakly. Each gauge reads its server's live counters, in O(1) whatever the
 * number of servers ({@link MultiPool#stats(dev.connpool.ServerAddress)}): no snapshot, no cache, so a
 * reading right after a borrow shows it. {@link #close()} removes every meter it registered. Thread-safe.
 */
public final class ConnpoolMeterBinder implements MeterBinder, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnpoolMeterBinder.class);

    private final MultiPoolRegistry pools;
    private final List<PoolMeters> bound = new ArrayList<>();
    private final List<BoundMeter> poolMeters = new ArrayList<>();

    /**
     * Creates a binder.
     *
     * @param pools the pools to bind
     */
    public ConnpoolMeterBinder(MultiPoolRegistry pools) {
        this.pools = pools;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (MultiPool<?> pool : pools) {
            PoolMeters meters = new PoolMeters(pool, registry);
            try {
                pool.addListener(meters);
            } catch (PoolClosedException e) {
                log.debug("pool '{}' is closed; no meters bound", pool.name());
                continue;
            }
            meters.bindServers();
            synchronized (this) {
                bound.add(meters);
                poolMeters.add(new BoundMeter(registry, MicrometerPoolMetrics.acquireTimer(registry, pool.name())));
                poolMeters.add(new BoundMeter(registry, MicrometerPoolMetrics.timeoutCounter(registry, pool.name())));
                for (Meter meter : RetryMeters.register(registry, pool)) {
                    poolMeters.add(new BoundMeter(registry, meter));
                }
            }
        }
    }

    /** Removes every meter this binder registered and stops following the pools' servers. */
    @Override
    public synchronized void close() {
        bound.forEach(PoolMeters::close);
        bound.clear();
        poolMeters.forEach(m -> m.registry().remove(m.meter()));
        poolMeters.clear();
    }

    private record BoundMeter(MeterRegistry registry, Meter meter) {
    }
}
