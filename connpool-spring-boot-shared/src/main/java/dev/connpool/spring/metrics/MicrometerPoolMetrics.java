package dev.connpool.spring.metrics;

import dev.connpool.PoolMetrics;
import dev.connpool.ServerAddress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The core's {@link PoolMetrics} port for one pool, recording into Micrometer: the timer
 * {@code connpool.connections.acquire} and the counter {@code connpool.connections.timeout}, tagged with
 * the pool's name.
 *
 * <p>The {@link MeterRegistry} is looked up at the first measurement, not when the pool is built, so that
 * building a pool never creates the registry. From then on a measurement is a volatile read and a call on
 * the cached timer or counter: no lookup, no map. Without a (unique) registry nothing is recorded.
 * Thread-safe; never throws.
 */
final class MicrometerPoolMetrics implements PoolMetrics {

    static final String ACQUIRE = "connpool.connections.acquire";
    static final String TIMEOUT = "connpool.connections.timeout";

    private static final Logger log = LoggerFactory.getLogger(MicrometerPoolMetrics.class);

    private final String pool;
    private final ObjectProvider<MeterRegistry> registry;
    private volatile PoolMetrics target;

    MicrometerPoolMetrics(String pool, ObjectProvider<MeterRegistry> registry) {
        this.pool = pool;
        this.registry = registry;
    }

    @Override
    public void acquired(ServerAddress server, long nanos) {
        target().acquired(server, nanos);
    }

    @Override
    public void timedOut(ServerAddress server) {
        target().timedOut(server);
    }

    private PoolMetrics target() {
        PoolMetrics t = target;
        return t != null ? t : resolve();
    }

    private synchronized PoolMetrics resolve() {
        PoolMetrics t = target;
        if (t == null) {
            try {
                MeterRegistry meterRegistry = registry.getIfUnique();
                t = meterRegistry == null ? PoolMetrics.NONE
                        : new Recording(acquireTimer(meterRegistry, pool), timeoutCounter(meterRegistry, pool));
            } catch (RuntimeException e) {
                log.warn("pool '{}': no MeterRegistry to record connection metrics in; they are not recorded", pool, e);
                t = PoolMetrics.NONE;
            }
            target = t;
        }
        return t;
    }

    /** Registers (or finds) the pool's acquire timer. */
    static Timer acquireTimer(MeterRegistry registry, String pool) {
        return Timer.builder(ACQUIRE).tag("pool", pool)
                .description("Time taken to acquire a connection from the pool").register(registry);
    }

    /** Registers (or finds) the pool's timeout counter. */
    static Counter timeoutCounter(MeterRegistry registry, String pool) {
        return Counter.builder(TIMEOUT).tag("pool", pool)
                .description("Borrows that gave up after max-wait without a free connection").register(registry);
    }

    @Override
    public String toString() {
        return "MicrometerPoolMetrics[" + pool + "]";
    }

    /** Records into meters found once. */
    private record Recording(Timer acquire, Counter timeouts) implements PoolMetrics {

        @Override
        public void acquired(ServerAddress server, long nanos) {
            acquire.record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void timedOut(ServerAddress server) {
            timeouts.increment();
        }
    }
}
