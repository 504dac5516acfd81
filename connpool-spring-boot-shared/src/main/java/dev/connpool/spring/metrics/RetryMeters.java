package dev.connpool.spring.metrics;

import dev.connpool.MultiPool;
import dev.connpool.RetryStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A pool's retry meters, tagged {@code pool}, read live from {@link MultiPool#retryStats()} (striped counters, O(1)):
 * the function counters {@code connpool.retries} (attempts on another server after a failure),
 * {@code connpool.retry.budget.exhausted} (failures thrown at once because the retry budget was spent),
 * {@code connpool.hedges} (second attempts of hedged executes), {@code connpool.hedges.won} (hedged calls
 * answered by the second attempt) and {@code connpool.hedges.without.room} (hedged calls that found no other
 * server with room for a second attempt when their delay was up). The meters hold the pool weakly, as
 * Micrometer's function counters do.
 */
final class RetryMeters {

    static final String RETRIES = "connpool.retries";
    static final String EXHAUSTED = "connpool.retry.budget.exhausted";
    static final String HEDGES = "connpool.hedges";
    static final String HEDGES_WON = "connpool.hedges.won";
    static final String HEDGES_WITHOUT_ROOM = "connpool.hedges.without.room";

    private RetryMeters() {
    }

    /** Registers (or finds) the pool's retry meters. */
    static List<Meter> register(MeterRegistry registry, MultiPool<?> pool) {
        return List.of(
                counter(registry, pool, RETRIES, "Attempts on another server after a failure (failovers)",
                        RetryStats::retries),
                counter(registry, pool, EXHAUSTED, "Failures thrown at once because the pool's retry budget was spent",
                        RetryStats::budgetExhausted),
                counter(registry, pool, HEDGES, "Second attempts of hedged executes, started on another server",
                        RetryStats::hedges),
                counter(registry, pool, HEDGES_WON, "Hedged executes answered by their second attempt",
                        RetryStats::hedgesWon),
                counter(registry, pool, HEDGES_WITHOUT_ROOM,
                        "Hedged executes that found no other server with room for a second attempt when their delay was up",
                        RetryStats::hedgesWithoutRoom));
    }

    private static Meter counter(MeterRegistry registry, MultiPool<?> pool, String name, String description,
                                 ToDoubleFunction<RetryStats> value) {
        return FunctionCounter.builder(name, pool, p -> value.applyAsDouble(p.retryStats())).tag("pool", pool.name())
                .description(description).register(registry);
    }
}
