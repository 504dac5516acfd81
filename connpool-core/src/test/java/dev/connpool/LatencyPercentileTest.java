package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The hedge delay's percentile: buckets, the warm-up, and the window of recent latencies. */
class LatencyPercentileTest {

    @Test
    void everyLatencyFallsInABucketWhoseBoundsHoldItWithin1of16() {
        for (long nanos = 0; nanos < 5_000_000; nanos = nanos < 100 ? nanos + 1 : nanos * 11 / 10) {
            int bucket = LatencyPercentile.bucket(nanos);
            long upper = LatencyPercentile.upperBound(bucket);
            assertThat(upper).as("upper bound of " + nanos).isGreaterThanOrEqualTo(nanos);
            assertThat((double) upper).as("precision at " + nanos).isLessThanOrEqualTo(nanos * (1 + 1.0 / 16) + 1);
            if (bucket > 0) {
                assertThat(LatencyPercentile.upperBound(bucket - 1)).isLessThan(nanos);
            }
        }
        assertThat(LatencyPercentile.upperBound(LatencyPercentile.bucket(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void noDelayUntilEnoughLatenciesThenTheirPercentile() {
        LatencyPercentile p95 = new LatencyPercentile(95);
        for (int i = 1; i < LatencyPercentile.MIN_SAMPLES; i++) {
            p95.record(i * 1_000L);
            assertThat(p95.delayNanos()).isEqualTo(-1);
        }
        for (int i = LatencyPercentile.MIN_SAMPLES; i <= LatencyPercentile.HALF; i++) {
            p95.record(i * 1_000L); // 1 us .. 1.024 ms evenly
        }
        assertThat(p95.delayNanos()).isBetween(972_000L, 973_000L * 17 / 16);
    }

    @Test
    void oldLatenciesLeaveAfterTwoHalves() {
        LatencyPercentile p50 = new LatencyPercentile(50);
        for (int i = 0; i < 3 * LatencyPercentile.HALF; i++) {
            p50.record(10_000_000L); // 10 ms
        }
        assertThat(p50.delayNanos()).isBetween(10_000_000L, 10_700_000L);
        for (int i = 0; i < 2 * LatencyPercentile.HALF; i++) {
            p50.record(1_000_000L); // 1 ms
        }
        assertThat(p50.delayNanos()).isBetween(1_000_000L, 1_070_000L);
    }

    @Test
    void theDelayOfACallIsThePercentileOfTheOtherServersLatencies() {
        ServerEntry fast1 = new ServerEntry(ServerAddress.of("fast1", 1), 0);
        ServerEntry fast2 = new ServerEntry(ServerAddress.of("fast2", 1), 0);
        ServerEntry slow = new ServerEntry(ServerAddress.of("slow", 1), 0);
        LatencyPercentile p95 = new LatencyPercentile(95);
        for (int i = 0; i < 2 * LatencyPercentile.HALF; i++) {
            int k = i % 100; // 7% on the slow server at 10 ms, the rest shared by the fast ones at 1 ms
            p95.record(k < 7 ? slow : k % 2 == 0 ? fast1 : fast2, k < 7 ? 10_000_000L : 1_000_000L);
        }
        assertThat(p95.delayNanos()).as("the pool's p95 falls in the slow server's latencies")
                .isBetween(10_000_000L, 10_700_000L);
        assertThat(p95.delayNanos(slow)).as("waiting on the slow server: the fast ones' p95")
                .isBetween(1_000_000L, 1_070_000L);
        assertThat(p95.delayNanos(fast1)).as("waiting on a fast one: the others hold the slow server's 13%")
                .isBetween(10_000_000L, 10_700_000L);
        assertThat(p95.delayNanos(null)).as("not known yet: the smallest").isEqualTo(p95.delayNanos(slow));
        ServerEntry newcomer = new ServerEntry(ServerAddress.of("new", 1), 0);
        assertThat(p95.delayNanos(newcomer)).as("no latency of its own: the pool's").isEqualTo(p95.delayNanos());
    }

    @Test
    void aServerThatAnswersNoMoreIsForgottenAfterTwoHalves() {
        ServerEntry gone = new ServerEntry(ServerAddress.of("gone", 1), 0);
        ServerEntry stays = new ServerEntry(ServerAddress.of("stays", 1), 0);
        LatencyPercentile p50 = new LatencyPercentile(50);
        for (int i = 0; i < LatencyPercentile.HALF; i++) {
            p50.record(i % 2 == 0 ? gone : stays, i % 2 == 0 ? 10_000_000L : 1_000_000L);
        }
        assertThat(p50.delayNanos(stays)).isBetween(10_000_000L, 10_700_000L);
        for (int i = 0; i < 2 * LatencyPercentile.HALF; i++) {
            p50.record(stays, 1_000_000L);
        }
        assertThat(p50.delayNanos(stays)).as("only its own latencies are left: the pool's stands in")
                .isEqualTo(p50.delayNanos()).isBetween(1_000_000L, 1_070_000L);
        assertThat(p50.delayNanos(gone)).isEqualTo(p50.delayNanos());
    }
}
