package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BalancerTest {

    static Stream<Arguments> balancers() {
        return Stream.of(Arguments.of(Balancer.roundRobin()), Arguments.of(Balancer.random()),
                Arguments.of(Balancer.leastActive()));
    }

    private static List<ServerEntry> entries(int n) {
        List<ServerEntry> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new ServerEntry(ServerAddress.of("s" + i, 1), 0));
        }
        return List.copyOf(list);
    }

    @ParameterizedTest
    @MethodSource("balancers")
    void spreadsLoadOverEveryCandidate(Balancer balancer) {
        List<ServerEntry> candidates = entries(4);
        Map<ServerEntry, Integer> picks = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            picks.merge(balancer.pick(candidates), 1, Integer::sum);
        }
        assertThat(picks).hasSize(4);
        assertThat(picks.values()).allSatisfy(count -> assertThat(count).isBetween(9_000, 11_000));
    }

    @ParameterizedTest
    @MethodSource("balancers")
    void singleCandidateIsAlwaysPicked(Balancer balancer) {
        List<ServerEntry> one = entries(1);
        for (int i = 0; i < 10; i++) {
            assertThat(balancer.pick(one)).isSameAs(one.get(0));
        }
    }

    @ParameterizedTest
    @MethodSource("balancers")
    void picksOnlyFromTheCandidates(Balancer balancer) {
        List<ServerEntry> candidates = entries(1000);
        for (int i = 0; i < 10_000; i++) {
            assertThat(candidates).contains(balancer.pick(candidates));
        }
    }

    @ParameterizedTest
    @MethodSource("balancers")
    void namesItselfAsInConfiguration(Balancer balancer) {
        assertThat(balancer.toString()).isIn("round-robin", "random", "least-active");
    }

    @org.junit.jupiter.api.Test
    void roundRobinTakesEachInTurn() {
        List<ServerEntry> candidates = entries(3);
        Balancer rr = Balancer.roundRobin();
        List<ServerEntry> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(rr.pick(candidates));
        }
        assertThat(order.subList(0, 3)).doesNotHaveDuplicates();
        assertThat(order.subList(3, 6)).isEqualTo(order.subList(0, 3));
    }

    @org.junit.jupiter.api.Test
    void leastActiveAvoidsTheBusiestServer() {
        List<ServerEntry> candidates = entries(3);
        candidates.get(1).addLeased(50);
        candidates.get(2).addLeased(5);
        Map<ServerEntry, Integer> picks = new HashMap<>();
        for (int i = 0; i < 30_000; i++) {
            picks.merge(Balancer.leastActive().pick(candidates), 1, Integer::sum);
        }
        // Of two distinct random candidates the less loaded wins: the busiest is never chosen, the idlest
        // wins every pair it is in (2 of 3 pairs).
        assertThat(picks).doesNotContainKey(candidates.get(1));
        assertThat(picks.get(candidates.get(0))).isBetween(19_000, 21_000);
    }

    @org.junit.jupiter.api.Test
    void twoChoicesScalesRandomBitsEvenlyOverTheBound() {
        for (int bound : new int[] {1, 2, 3, 7, 1000, Integer.MAX_VALUE}) {
            assertThat(TwoChoicesBalancer.below(0L, bound)).isZero();
            assertThat(TwoChoicesBalancer.below(0xFFFF_FFFFL, bound)).isEqualTo(bound - 1);
        }
        int[] counts = new int[3];
        long step = (1L << 32) / 30_000;
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += step) {
            counts[TwoChoicesBalancer.below(bits, 3)]++;
        }
        for (int count : counts) {
            assertThat(count).isBetween(9_999, 10_001);
        }
    }
}
