package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The least-latency balancer's shares, on a simulated clock: 16 callers in a closed loop over three servers
 * (each caller picks, holds the server for its latency, gives it back, picks again), latencies and failures
 * as each test sets them, the estimates fed as {@link LeaseLifecycle} and {@link ServerRegistry} feed them
 * (one lease in 64 of each connection timed, and those a stale pick asks for; every failure penalised). No socket and no sleep: the balancer sees only the
 * entries' leases and estimates, and the clock is the simulation's.
 */
class LeastLatencyBalancerTest {

    private static final long MS = 1_000_000L;
    private static final long DECAY = 2_000 * MS;
    private static final int CALLERS = 16;

    /** One simulated pool: three entries, the time, the picks per server. */
    private static final class Simulation {
        final List<ServerEntry> servers = new ArrayList<>();
        final Balancer balancer;
        final Random jitter = new Random(42);
        long now = 1_000 * MS;
        /** What each server takes for a lease, at the simulation's time (before jitter). */
        final LongUnaryOperator[] latency;
        /** Whether each server's leases fail (invalidated: a penalty, no sample). */
        final boolean[] failing = new boolean[3];
        long[] picks = new long[3];
        private final PriorityQueue<long[]> ends = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        private final int[] leaseIds = new int[3];

        Simulation(Balancer balancer, long... latencies) {
            this.balancer = balancer;
            this.latency = new LongUnaryOperator[latencies.length];
            for (int i = 0; i < latencies.length; i++) {
                long fixed = latencies[i];
                latency[i] = t -> fixed;
                servers.add(new ServerEntry(ServerAddress.of("s" + i, 1), now, null, new LatencyEstimate(DECAY)));
            }
            for (int c = 0; c < CALLERS; c++) {
                start();
            }
        }

        private void start() {
            ServerEntry e = balancer.pick(servers);
            int i = servers.indexOf(e);
            picks[i]++;
            e.addLeased(1);
            long took = Math.max(1, (long) (latency[i].applyAsLong(now) * (0.8 + 0.4 * jitter.nextDouble())));
            int id = ++leaseIds[i];
            boolean timed = LatencyEstimate.timed(id) || e.latencySampleWanted(); // as LeaseLifecycle decides
            ends.add(new long[] {now + took, i, took, timed ? 1 : 0});
        }

        /** Runs until {@code calls} more leases ended. */
        void run(int calls) {
            for (int n = 0; n < calls; n++) {
                long[] end = ends.poll();
                now = end[0];
                ServerEntry e = servers.get((int) end[1]);
                e.addLeased(-1);
                if (failing[(int) end[1]]) {
                    e.latency.penalise(now);
                } else if (end[3] == 1) {
                    e.latencySample(end[2], now); // as LeaseLifecycle records it
                }
                start();
            }
        }

        void resetPicks() {
            picks = new long[3];
        }

        double share(int i) {
            long total = picks[0] + picks[1] + picks[2];
            return (double) picks[i] / total;
        }
    }

    @Test
    void equalServersKeepEqualSharesInEveryWindowWithoutOscillating() {
        Simulation sim = new Simulation(Balancer.leastLatency(), MS, MS, MS);
        sim.run(20_000); // settle
        for (int window = 0; window < 10; window++) {
            sim.resetPicks();
            sim.run(10_000);
            for (int i = 0; i < 3; i++) {
                assertThat(sim.share(i)).as("window %d, server %d", window, i).isBetween(0.9 / 3, 1.1 / 3);
            }
        }
    }

    @Test
    void aServerTenTimesSlowerGetsFarLessThanWithLeastActive() {
        Simulation latency = new Simulation(Balancer.leastLatency(), MS, MS, 10 * MS);
        Simulation active = new Simulation(Balancer.leastActive(), MS, MS, 10 * MS);
        latency.run(20_000);
        active.run(20_000);
        latency.resetPicks();
        active.resetPicks();
        latency.run(50_000);
        active.run(50_000);
        assertThat(active.share(2)).as("least-active's slow share").isGreaterThan(0.04);
        assertThat(latency.share(2)).as("least-latency's slow share").isLessThan(0.02)
                .isLessThan(active.share(2) / 3);
    }

    @Test
    void aServerHundredTimesSlowerIsAlmostNeverPickedButStillTriedNowAndThen() {
        Simulation sim = new Simulation(Balancer.leastLatency(), MS, MS, 100 * MS);
        sim.run(20_000);
        sim.resetPicks();
        sim.run(100_000);
        assertThat(sim.share(2)).isLessThan(0.005);
        assertThat(sim.picks[2]).as("tried again as its estimate goes stale").isPositive();
    }

    @Test
    void quickFailuresDoNotDrawTraffic() {
        Simulation sim = new Simulation(Balancer.leastLatency(), MS, MS, MS / 10);
        sim.failing[2] = true; // answers ten times faster, always with a failure
        sim.run(20_000);
        sim.resetPicks();
        sim.run(50_000);
        assertThat(sim.share(2)).isLessThan(0.05);
    }

    @Test
    void aServerThatRecoversGetsItsShareBackWithinAFewDecayWindows() {
        Simulation sim = new Simulation(Balancer.leastLatency(), MS, MS, 20 * MS);
        sim.run(30_000);
        assertThat(sim.share(2)).isLessThan(0.02);
        sim.latency[2] = t -> MS; // recovered
        long recovered = sim.now;
        while (sim.now - recovered < 5 * DECAY) {
            sim.run(1_000);
        }
        sim.resetPicks();
        sim.run(30_000);
        assertThat(sim.share(2)).isBetween(0.9 / 3, 1.1 / 3);
    }

    @Test
    void oneOutlierMovesNothingTwoInARowCountAtOnceFourfoldAtMostPerSample() {
        LatencyEstimate estimate = new LatencyEstimate(DECAY);
        estimate.sample(MS, 0);
        estimate.sample(MS, 1);
        estimate.sample(50 * MS, 2); // one outlier: the median of (1, 1, 50) ms
        assertThat(estimate.nanos()).isEqualTo(MS);
        estimate.sample(50 * MS, 3); // two in a row: a peak, at most fourfold per sample
        assertThat(estimate.nanos()).isEqualTo(4 * MS);
        estimate.sample(50 * MS, 4);
        estimate.sample(50 * MS, 5);
        assertThat(estimate.nanos()).isEqualTo(50 * MS);
        estimate.sample(2 * MS, 5 + DECAY / LatencyEstimate.STALE_STEPS); // stale: this one sample replaces it
        assertThat(estimate.nanos()).isEqualTo(2 * MS);
    }

    @Test
    void serversWithinTheBandAreEquallyFastAndFewerLeasesWins() {
        ServerEntry quick = entry("quick", MS);
        ServerEntry slower = entry("slower", (LeastLatencyBalancer.BAND * MS) - 1);
        quick.addLeased(3);
        slower.addLeased(2);
        for (int i = 0; i < 50; i++) {
            assertThat(Balancer.leastLatency().pick(List.of(quick, slower))).isSameAs(slower);
        }
    }

    @Test
    void outsideTheBandTheFasterWinsUntilItIsFarBusier() {
        ServerEntry fast = entry("fast", MS);
        ServerEntry slow = entry("slow", 10 * MS);
        fast.addLeased(8); // cost 9 ms against 10 ms: least-latency alone would pick the slow one
        assertThat(Balancer.leastLatency().pick(List.of(fast, slow))).isSameAs(fast);
        fast.addLeased(12); // cost 21 ms: more than twice the slow one's 10 ms
        assertThat(Balancer.leastLatency().pick(List.of(fast, slow))).isSameAs(slow);
    }

    @Test
    void aPickMadeOnAStaleEstimateAsksForASampleThatOneLeaseGives() {
        ServerEntry fresh = entry("fresh", MS);
        ServerEntry stale = entry("stale", 4 * MS); // out of the band: 4x slower when last measured
        long halfLife = DECAY / LatencyEstimate.STALE_STEPS;
        fresh.latency.sample(MS, 4 * halfLife); // the stale one trails by four half-lives: 4 ms counts as 0.25
        fresh.addLeased(1);
        assertThat(Balancer.leastLatency().pick(List.of(fresh, stale))).isSameAs(stale);
        assertThat(stale.latencySampleWanted()).isTrue();
        assertThat(fresh.latencySampleWanted()).isFalse();
        stale.latencySample(3 * MS, 4 * halfLife + 1);
        assertThat(stale.latencySampleWanted()).isFalse();
        assertThat(stale.latency.nanos()).as("a stale history is forgotten: the one sample counts").isEqualTo(3 * MS);
    }

    @Test
    void aServerWithLeasesOutIsNotStaleItIsBusyAndIsNotPickedOnADecayedEstimate() {
        ServerEntry fast = entry("fast", MS);
        ServerEntry hung = entry("hung", 4 * MS);
        long halfLife = DECAY / LatencyEstimate.STALE_STEPS;
        fast.latency.sample(MS, 4 * halfLife); // hung has answered nothing for four steps: 4 ms would count as 0.25
        fast.addLeased(4);
        hung.addLeased(8); // every connection held by a call that never returns
        for (int i = 0; i < 50; i++) {
            assertThat(Balancer.leastLatency().pick(List.of(fast, hung))).isSameAs(fast);
        }
        assertThat(hung.latencySampleWanted()).isFalse();
        hung.addLeased(-8); // its calls ended: nobody asked it since, so its estimate is stale now
        assertThat(Balancer.leastLatency().pick(List.of(fast, hung))).isSameAs(hung);
        assertThat(hung.latencySampleWanted()).isTrue();
    }

    @Test
    void serversEqualByTheirRawEstimatesAreJudgedByTheirLeasesWhateverTheirAge() {
        ServerEntry fresh = entry("fresh", MS);
        ServerEntry stale = entry("stale", LeastLatencyBalancer.BAND * MS); // within the band: equally fast
        long halfLife = DECAY / LatencyEstimate.STALE_STEPS;
        fresh.latency.sample(MS, 4 * halfLife);
        stale.addLeased(1);
        assertThat(Balancer.leastLatency().pick(List.of(fresh, stale))).isSameAs(fresh);
        stale.addLeased(-1);
        fresh.addLeased(1);
        assertThat(Balancer.leastLatency().pick(List.of(fresh, stale))).isSameAs(stale);
        assertThat(stale.latencySampleWanted()).as("no sample asked: equal already, it is picked as often as its leases allow").isFalse();
    }

    @Test
    void aStaleEstimateDecaysByHalfPerHalfLifeWithoutABranchAndNeverToZero() {
        LatencyEstimate estimate = new LatencyEstimate(DECAY);
        long halfLife = DECAY / LatencyEstimate.STALE_STEPS;
        estimate.sample(64 * MS, 0);
        assertThat(estimate.decayed(64 * MS, 0, halfLife - 1)).isEqualTo(64 * MS);
        assertThat(estimate.decayed(64 * MS, 0, halfLife)).isEqualTo(32 * MS);
        assertThat(estimate.decayed(64 * MS, 0, 5 * halfLife + 1)).isEqualTo(2 * MS);
        assertThat(estimate.decayed(64 * MS, 0, 1000 * halfLife)).isEqualTo(1);
        assertThat(estimate.decayed(64 * MS, 10, 0)).as("a reference older than the stamp: no decay").isEqualTo(64 * MS);
    }

    private static ServerEntry entry(String host, long latency) {
        ServerEntry e = new ServerEntry(ServerAddress.of(host, 1), 0, null, new LatencyEstimate(DECAY));
        e.latency.sample(latency, 0);
        return e;
    }

    @Test
    void failuresDoubleTheEstimateFromAFloorAndDiscardsOnlyRaiseIt() {
        LatencyEstimate estimate = new LatencyEstimate(DECAY);
        estimate.penalise(0);
        assertThat(estimate.nanos()).isEqualTo(LatencyEstimate.MIN_PENALTY_NANOS);
        estimate.sample(3 * MS, 1);
        estimate.penalise(2);
        assertThat(estimate.nanos()).isEqualTo(6 * MS);
        estimate.atLeast(MS, 3);
        assertThat(estimate.nanos()).isEqualTo(6 * MS);
        estimate.atLeast(9 * MS, 4);
        assertThat(estimate.nanos()).isEqualTo(9 * MS);
    }

    @Test
    void aStaleEstimateIsHalvedPerHalfLifeItTrails() {
        LatencyEstimate estimate = new LatencyEstimate(DECAY);
        estimate.sample(64 * MS, 0);
        long halfLife = DECAY / LatencyEstimate.STALE_STEPS;
        assertThat(estimate.decayed(estimate.nanos(), estimate.stamp(), halfLife - 1)).isEqualTo(64 * MS);
        assertThat(estimate.decayed(estimate.nanos(), estimate.stamp(), 3 * halfLife)).isEqualTo(8 * MS);
    }

    @Test
    void candidatesOfAnotherKindAreJudgedByTheirLeases() {
        record Plain(ServerAddress server, int activeConnections) implements Balancer.Candidate {
        }
        Plain idle = new Plain(ServerAddress.of("a", 1), 0);
        Plain busy = new Plain(ServerAddress.of("b", 1), 5);
        for (int i = 0; i < 100; i++) {
            assertThat(Balancer.leastLatency().pick(List.of(idle, busy))).isSameAs(idle);
        }
    }

    @Test
    void anUnmeasuredServerGetsOneLeaseThenWaitsForItsMeasure() {
        ServerEntry measured = new ServerEntry(ServerAddress.of("m", 1), 0, null, new LatencyEstimate(DECAY));
        ServerEntry fresh = new ServerEntry(ServerAddress.of("f", 1), 0, null, new LatencyEstimate(DECAY));
        measured.latency.sample(MS, 0);
        measured.addLeased(3);
        assertThat(Balancer.leastLatency().pick(List.of(measured, fresh))).isSameAs(fresh);
        fresh.addLeased(1);
        assertThat(Balancer.leastLatency().pick(List.of(measured, fresh))).isSameAs(measured);
    }
}
