package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** How many answers in a row an address must miss, whole answers against samples. */
class DnsSamplingTest {

    private static Set<ServerAddress> servers(int from, int count) {
        Set<ServerAddress> set = new HashSet<>();
        for (int i = from; i < from + count; i++) {
            set.add(ServerAddress.of("10.0.0." + i, 80));
        }
        return set;
    }

    @Test
    void aWholeAnswerNeedsOneAndARepeatedAnswerIsWhole() {
        DnsSampling sampling = new DnsSampling();
        assertThat(sampling.answersNeeded(servers(0, 10), 10)).isEqualTo(1);
        assertThat(sampling.answersNeeded(servers(0, 7), 10)).as("changed: could be a sample of 7 of 10").isEqualTo(12);
        assertThat(sampling.answersNeeded(servers(0, 7), 10)).as("repeated: whole").isEqualTo(1);
    }

    @Test
    void samplesNeedAsManyAnswersAsMakeAMissUnlikely() {
        DnsSampling sampling = new DnsSampling();
        assertThat(sampling.answersNeeded(servers(0, 8), 50)).isEqualTo(80);
        assertThat(sampling.answersNeeded(servers(8, 8), 50)).isEqualTo(80);
        assertThat(sampling.answersNeeded(servers(0, 3), 4)).isEqualTo(10);
        assertThat(Math.pow(1 - 8 / 50.0, 80)).isLessThan(DnsSampling.MISS_CHANCE);
    }
}
