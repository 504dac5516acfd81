package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final long MS = 1_000_000L;

    @Test
    void growsByFactorFromMinAndStopsAtMax() {
        Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 2.0, 0.0);
        assertThat(backoff.delayNanos(1, 0.5)).isEqualTo(10 * MS);
        assertThat(backoff.delayNanos(2, 0.5)).isEqualTo(20 * MS);
        assertThat(backoff.delayNanos(3, 0.5)).isEqualTo(40 * MS);
        assertThat(backoff.delayNanos(4, 0.5)).isEqualTo(80 * MS);
        assertThat(backoff.delayNanos(5, 0.5)).isEqualTo(100 * MS);
        assertThat(backoff.delayNanos(500, 0.5)).isEqualTo(100 * MS);
    }

    @Test
    void jitterSpreadsBothWaysWithinTheFraction() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.2);
        assertThat(backoff.delayNanos(1, 0.0)).isEqualTo(80 * MS);
        assertThat(backoff.delayNanos(1, 0.5)).isEqualTo(100 * MS);
        assertThat(backoff.delayNanos(1, 0.999_999)).isBetween(119 * MS, 120 * MS);
    }

    @Test
    void jitterNeverPassesMax() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(100), 3.0, 1.0);
        for (double r = 0; r < 1; r += 0.01) {
            assertThat(backoff.delayNanos(7, r)).isBetween(0L, 100 * MS);
        }
    }

    @Test
    void zeroMinMeansNoPause() {
        Backoff backoff = new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2.0, 0.5);
        assertThat(backoff.delayNanos(3, 0.9)).isZero();
    }
}
