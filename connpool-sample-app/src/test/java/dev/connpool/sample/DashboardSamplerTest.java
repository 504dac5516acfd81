package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.connpool.PoolStats;
import dev.connpool.ServerAddress;
import dev.connpool.ServerState;
import dev.connpool.ServerStats;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What one sample measures, and that a pool's history stays bounded. */
class DashboardSamplerTest {

    private static final ServerAddress A = ServerAddress.of("127.0.0.1", 1001);
    private static final ServerAddress B = ServerAddress.of("127.0.0.1", 1002);
    private static final long SECOND = 1_000_000_000L;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, new MockClock());
    private final Timer acquire = Timer.builder(DashboardSampler.ACQUIRE_TIMER).tag("pool", "p").register(registry);

    @Test
    void firstSampleShouldOnlySetTheBaseline() {
        DashboardSampler.PoolHistory history = new DashboardSampler.PoolHistory(10);
        history.add(stats(server(A, 100, 1, 2, 0)), acquire, 0, 1000);
        assertThat(history.samples()).isEmpty();
    }

    @Test
    void sampleShouldMeasureBorrowsPerSecondAndAcquireTimeOfItsInterval() {
        DashboardSampler.PoolHistory history = new DashboardSampler.PoolHistory(10);
        acquire.record(Duration.ofMillis(50));
        history.add(stats(server(A, 100, 0, 1, 0), server(B, 40, 0, 1, 0)), acquire, 0, 1000);

        acquire.record(Duration.ofMillis(1));
        acquire.record(Duration.ofMillis(3));
        history.add(stats(server(A, 130, 2, 0, 1), server(B, 60, 1, 1, 0)), acquire, 2 * SECOND, 3000);

        DashboardSampler.Sample sample = history.samples().get(0);
        assertThat(sample.time()).isEqualTo(3000);
        assertThat(sample.borrowsPerSecond()).isEqualTo(25.0); // (30 + 20) borrows in 2 s
        assertThat(sample.acquireMeanMillis()).isCloseTo(2.0, within(1e-9)); // the 50 ms one was before
        assertThat(sample.acquireMaxMillis()).isEqualTo(acquire.max(TimeUnit.MILLISECONDS));
        assertThat(sample.active()).isEqualTo(3);
        assertThat(sample.idle()).isEqualTo(1);
        assertThat(sample.waiting()).isEqualTo(1);
    }

    @Test
    void intervalWithoutAcquisitionsShouldHaveNoAcquireTime() {
        DashboardSampler.PoolHistory history = new DashboardSampler.PoolHistory(10);
        acquire.record(Duration.ofMillis(7));
        history.add(stats(server(A, 5, 0, 1, 0)), acquire, 0, 1000);
        history.add(stats(server(A, 5, 0, 1, 0)), acquire, SECOND, 2000);

        DashboardSampler.Sample sample = history.samples().get(0);
        assertThat(sample.borrowsPerSecond()).isZero();
        assertThat(sample.acquireMeanMillis()).isNull();
        assertThat(sample.acquireMaxMillis()).isNull();
    }

    @Test
    void serverLeavingOrJoiningShouldNotDistortTheRate() {
        DashboardSampler.PoolHistory history = new DashboardSampler.PoolHistory(10);
        history.add(stats(server(A, 1000, 0, 1, 0)), null, 0, 1000);
        // A left with its 1000 borrows; B joined and lent 7
        history.add(stats(server(B, 7, 0, 1, 0)), null, SECOND, 2000);

        assertThat(history.samples().get(0).borrowsPerSecond()).isEqualTo(7.0);
    }

    @Test
    void historyShouldKeepOnlyTheLastSamples() {
        DashboardSampler.PoolHistory history = new DashboardSampler.PoolHistory(DashboardSampler.CAPACITY);
        for (int i = 0; i <= DashboardSampler.CAPACITY + 100; i++) {
            history.add(stats(server(A, i, 0, 0, 0)), acquire, i * SECOND, i * 1000L);
        }
        List<DashboardSampler.Sample> samples = history.samples();
        assertThat(samples).hasSize(DashboardSampler.CAPACITY);
        assertThat(samples.get(0).time()).isEqualTo(101_000L);
        assertThat(samples.get(samples.size() - 1).time()).isEqualTo((DashboardSampler.CAPACITY + 100) * 1000L);
    }

    private static ServerStats server(ServerAddress address, long borrowed, int active, int idle, int waiting) {
        return new ServerStats(address, ServerState.ACTIVE, active, idle, waiting, 0, 0, borrowed, 0, 0, null, 0, true,
                List.of());
    }

    private static PoolStats stats(ServerStats... servers) {
        return new PoolStats("p", List.of(servers));
    }
}
