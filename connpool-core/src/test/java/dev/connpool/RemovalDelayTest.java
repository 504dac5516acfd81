package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;


/** The removal delay's decisions, driven by a clock moved by hand. */
class RemovalDelayTest {

    private static final ServerAddress A = ServerAddress.of("10.0.0.1", 80);
    private static final ServerAddress B = ServerAddress.of("10.0.0.2", 80);
    private static final ServerAddress C = ServerAddress.of("10.0.0.3", 80);
    private static final long SECOND = 1_000_000_000L;

    private final RemovalDelay removals = new RemovalDelay(Duration.ofSeconds(30));
    private long now = 5 * SECOND;

    private RemovalDelay.Decision read(ServerAddress... listed) {
        return removals.decide(Set.of(listed), now);
    }

    private void advance(long seconds) {
        now += seconds * SECOND;
    }

    @Test
    void theFirstReadIsTakenWholeAndAdditionsApplyAtOnce() {
        assertThat(read(A).servers()).containsExactly(A);
        RemovalDelay.Decision d = read(A, B, C);
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B, C);
        assertThat(d.kept()).isEmpty();
        assertThat(d.nanosToNext()).isNegative();
    }

    @Test
    void aMissingServerIsKeptForTheDelayThenRemoved() {
        read(A, B);
        RemovalDelay.Decision d = read(A);
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(d.kept()).containsExactly(B);
        assertThat(d.missing()).containsExactly(B);
        assertThat(d.nanosToNext()).isEqualTo(30 * SECOND);

        advance(29);
        d = read(A);
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(d.missing()).as("logged once").isEmpty();
        assertThat(d.nanosToNext()).isEqualTo(SECOND);

        advance(1);
        d = read(A);
        assertThat(d.servers()).containsExactly(A);
        assertThat(d.removed()).containsExactly(B);
        assertThat(d.kept()).isEmpty();
        assertThat(d.nanosToNext()).isNegative();
    }

    @Test
    void aServerBackWithinTheDelayIsNotRemovedAndItsClockStartsOverNextTime() {
        read(A, B);
        read(A);
        advance(20);
        RemovalDelay.Decision d = read(A, B);
        assertThat(d.back()).containsExactly(B);
        assertThat(d.kept()).isEmpty();
        assertThat(d.removed()).isEmpty();

        advance(20);
        d = read(A); // missing again: a new 30 s
        assertThat(d.servers()).contains(B);
        advance(29);
        assertThat(read(A).servers()).contains(B);
        advance(1);
        assertThat(read(A).removed()).containsExactly(B);
    }

    @Test
    void everyServerMissingAtOnceIsKept() {
        read(A, B, C);
        RemovalDelay.Decision d = read();
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B, C);
        advance(10);
        d = read(B);
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B, C);
        assertThat(d.back()).containsExactly(B);
        advance(20);
        d = read(B);
        assertThat(d.servers()).containsExactly(B);
        assertThat(d.removed()).containsExactlyInAnyOrder(A, C);
    }

    @Test
    void theFirstReadsAfterAReconnectionGetTheGraceAgain() {
        read(A, B);
        read(A); // B missing from 5 s
        advance(25); // 30 s: 5 s left, then ZooKeeper away
        removals.reconnected(now + 10 * SECOND); // back at 40 s
        advance(10);
        RemovalDelay.Decision d = read(A);
        assertThat(d.servers()).as("due 30 s after the reconnection, not at 35 s").contains(B);
        assertThat(d.nanosToNext()).isEqualTo(30 * SECOND);
        advance(29);
        assertThat(read(A).servers()).contains(B);
        advance(1);
        assertThat(read(A).removed()).containsExactly(B);
    }

    @Test
    void zeroRemovesAtOnce() {
        RemovalDelay now0 = new RemovalDelay(Duration.ZERO);
        now0.decide(Set.of(A, B), now);
        now0.reconnected(now);
        RemovalDelay.Decision d = now0.decide(Set.of(A), now);
        assertThat(d.servers()).containsExactly(A);
        assertThat(d.removed()).containsExactly(B);
        assertThat(d.missing()).isEmpty();
        assertThat(d.nanosToNext()).isNegative();
    }

    @Test
    void aVeryLongDelayDoesNotOverflow() {
        RemovalDelay forever = new RemovalDelay(Duration.ofDays(365 * 1000));
        forever.decide(Set.of(A, B), Long.MAX_VALUE - SECOND);
        RemovalDelay.Decision d = forever.decide(Set.of(A), Long.MAX_VALUE);
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(d.nanosToNext()).isPositive();
    }

    @Test
    void aServerIsDrainedOnlyOnceMissingFromTheAnswersNeeded() {
        read(A, B);
        removals.decide(Set.of(A), Set.of(), now, 3); // 1st answer without B
        advance(60);
        RemovalDelay.Decision d = removals.decide(Set.of(A), Set.of(), now, 3); // 2nd: the delay is over, not the answers
        assertThat(d.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(d.nanosToNext()).as("due by time already: no wake-up to ask for").isNegative();
        d = removals.decide(Set.of(A), Set.of(), now, 3); // 3rd
        assertThat(d.removed()).containsExactly(B);
    }

    @Test
    void anAnswerListingTheServerStartsItsCountOver() {
        read(A, B);
        removals.decide(Set.of(A), Set.of(), now, 2);
        advance(60);
        removals.decide(Set.of(A, B), Set.of(), now, 2); // back
        advance(60);
        assertThat(removals.decide(Set.of(A), Set.of(), now, 2).servers()).contains(B); // 1 answer, the new 30 s not over
        advance(30);
        assertThat(removals.decide(Set.of(A), Set.of(), now, 2).removed()).containsExactly(B);
    }

    @Test
    void aServerSaidNotToServeIsRemovedAtOnceUnlessAlsoListed() {
        read(A, B, C);
        RemovalDelay.Decision d = removals.decide(Set.of(A, C), Set.of(B, C), now, 1);
        assertThat(d.removed()).containsExactly(B);
        assertThat(d.servers()).containsExactlyInAnyOrder(A, C);
        read(A); // C missing: the delay
        assertThat(removals.decide(Set.of(A), Set.of(C), now, 1).removed()).as("then said out of service").containsExactly(C);
    }
}
