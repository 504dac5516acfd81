package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The ejection rules alone, on a fake clock: no registry, no servers, no sockets. */
class EjectionPolicyTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    private final FakeClock clock = new FakeClock();

    private EjectionPolicy policy(int failures, Duration base, Duration max, int maxPercent) {
        return new ConsecutiveFailuresEjection(failures, base.toNanos(), max.toNanos(), maxPercent, clock);
    }

    private EjectionPolicy defaults() {
        return policy(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 50);
    }

    @Test
    void theConfiguredStreakEjects() {
        EjectionPolicy policy = defaults();

        assertThat(policy.ejectsAfter(1)).isFalse();
        assertThat(policy.ejectsAfter(2)).isFalse();
        assertThat(policy.ejectsAfter(3)).isTrue();
        assertThat(policy.ejectsAfter(4)).isTrue();
        assertThat(policy(1, Duration.ofSeconds(1), Duration.ofSeconds(1), 50).ejectsAfter(1)).isTrue();
    }

    @Test
    void theFirstEjectionLastsTheBaseTimeFromNow() {
        long now = clock.nanoTime();

        EjectionPolicy.Ejection first = defaults().nextEjection(0, now, false);

        assertThat(first.level()).isEqualTo(1);
        assertThat(first.nanos()).isEqualTo(SECOND);
        assertThat(first.untilNanos()).isEqualTo(now + SECOND);
    }

    @Test
    void eachEjectionInARowDoublesUpToTheMaxTime() {
        EjectionPolicy policy = defaults();
        long[] expectedSeconds = {1, 2, 4, 8, 16, 30, 30};
        int level = 0;
        for (long seconds : expectedSeconds) {
            EjectionPolicy.Ejection ejection = policy.nextEjection(level, clock.nanoTime(), true);
            assertThat(ejection.level()).isEqualTo(level + 1);
            assertThat(ejection.nanos()).isEqualTo(seconds * SECOND);
            level = ejection.level();
        }
    }

    @Test
    void aVeryHighLevelStaysAtTheMaxTimeWithoutOverflow() {
        EjectionPolicy policy = policy(1, Duration.ofMillis(1), Duration.ofDays(365), 50);

        assertThat(policy.nextEjection(61, 0, true).nanos()).isEqualTo(Duration.ofDays(365).toNanos());
        assertThat(policy.nextEjection(Integer.MAX_VALUE - 1, 0, true).nanos()).isEqualTo(Duration.ofDays(365).toNanos());
        assertThat(policy.nextEjection(10, 0, true).nanos()).isEqualTo(Duration.ofMillis(1024).toNanos());
    }

    @Test
    void theLevelDecaysByOneForEachMaxTimeSpentActive() {
        EjectionPolicy policy = policy(1, Duration.ofSeconds(1), Duration.ofSeconds(10), 50);
        long activeSince = clock.nanoTime();

        clock.advance(Duration.ofSeconds(9));
        assertThat(policy.nextEjection(3, activeSince, false).level()).as("not a whole max-time yet").isEqualTo(4);
        clock.advance(Duration.ofSeconds(1));
        assertThat(policy.nextEjection(3, activeSince, false).level()).isEqualTo(3);
        clock.advance(Duration.ofSeconds(10));
        assertThat(policy.nextEjection(3, activeSince, false).level()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(10));
        EjectionPolicy.Ejection healed = policy.nextEjection(3, activeSince, false);
        assertThat(healed.level()).as("never below a first ejection").isEqualTo(1);
        assertThat(healed.nanos()).isEqualTo(SECOND);
    }

    @Test
    void aProbingServerGetsNoDecay() {
        EjectionPolicy policy = policy(1, Duration.ofSeconds(1), Duration.ofSeconds(10), 50);
        long activeSince = clock.nanoTime();
        clock.advance(Duration.ofMinutes(10));

        assertThat(policy.nextEjection(3, activeSince, true).level()).isEqualTo(4);
        assertThat(policy.nextEjection(3, activeSince, true).nanos()).isEqualTo(8 * SECOND);
    }

    @Test
    void aClockReadingBeforeActiveSinceCountsAsNoTimeActive() {
        EjectionPolicy policy = policy(1, Duration.ofSeconds(1), Duration.ofSeconds(10), 50);

        assertThat(policy.nextEjection(2, clock.nanoTime() + Duration.ofMinutes(5).toNanos(), false).level())
                .isEqualTo(3);
    }

    @Test
    void theCapIsMaxPercentAtLeastOneAndNeverAll() {
        EjectionPolicy half = defaults();
        assertThat(half.maxEjected(1)).isZero();
        assertThat(half.maxEjected(2)).isEqualTo(1);
        assertThat(half.maxEjected(3)).isEqualTo(1);
        assertThat(half.maxEjected(10)).isEqualTo(5);
        assertThat(policy(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 100).maxEjected(3)).isEqualTo(2);
        assertThat(policy(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 10).maxEjected(3)).isEqualTo(1);
        assertThat(policy(3, Duration.ofSeconds(1), Duration.ofSeconds(30), 0).maxEjected(10)).isZero();
    }

    @Test
    void builtFromTheSettingsItFollowsThem() {
        PoolSettings settings = MultiPool.builder(new ForwardingFactory<>(null)).name("policy")
                .ejection(2, Duration.ofMillis(500), Duration.ofSeconds(4), 25).settings();
        EjectionPolicy policy = EjectionPolicy.of(settings, clock);

        assertThat(policy.ejectsAfter(1)).isFalse();
        assertThat(policy.ejectsAfter(2)).isTrue();
        assertThat(policy.nextEjection(0, clock.nanoTime(), false).nanos()).isEqualTo(Duration.ofMillis(500).toNanos());
        assertThat(policy.nextEjection(5, clock.nanoTime(), true).nanos()).isEqualTo(Duration.ofSeconds(4).toNanos());
        assertThat(policy.maxEjected(8)).isEqualTo(2);
    }
}
