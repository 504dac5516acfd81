package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An owner that flaps (ejected, re-admitted, every 5 s for a minute, on the fake clock) moves each of its keys
 * at most twice: to its fallback when it first goes, back once it has stayed {@code ACTIVE} for
 * {@code affinity.return-delay}. Without the delay the same flapping moves them at every flap, which the test
 * checks too, so that it can tell the two apart.
 */
class AffinityFlapTest {

    private static final int KEYS = 10_000;
    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private MultiPool<MemoryFactory.Connection> pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
    }

    private MultiPool<MemoryFactory.Connection> pool(AffinityAlgorithm algorithm, Duration returnDelay) {
        List<ServerAddress> servers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            servers.add(ServerAddress.of("cache-" + i, 11211));
        }
        pool = MultiPool.builder(new MemoryFactory(clock)).name("flap").servers(servers)
                .affinityAlgorithm(algorithm).affinityReturnDelay(returnDelay).healthCheckInterval(Duration.ZERO)
                .ejection(3, Duration.ofHours(1), Duration.ofHours(1), 50) // out until the test re-admits it
                .shutdownTimeout(Duration.ZERO).clock(clock).scheduler(scheduler).build();
        return pool;
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void anOwnerFlappingEvery5sForAMinuteMovesNoKeyMoreThanTwice(AffinityAlgorithm algorithm) {
        MultiPool<MemoryFactory.Connection> pool = pool(algorithm, Duration.ofSeconds(30));
        ServerAddress flapper = ServerAddress.of("cache-2", 11211);
        ServerAddress[] owner = placeAll(pool);
        int[] moves = new int[KEYS];
        ServerAddress[] now = owner.clone();
        for (int second = 1; second <= 60; second++) {
            clock.advance(Duration.ofSeconds(1));
            scheduler.runDue();
            if (second % 5 == 0) {
                flap(pool, flapper, second % 10 == 5);
            }
            count(pool, now, moves);
        }
        // Up for good now: once it has been active for 30 s its keys are back, and only then.
        for (int second = 1; second <= 40; second++) {
            clock.advance(Duration.ofSeconds(1));
            scheduler.runDue();
            count(pool, now, moves);
            if (second < 30) {
                assertThat(keysOn(now, flapper)).as("keys on the flapper %d s after it came back", second).isZero();
            }
        }
        int owned = 0;
        for (int k = 0; k < KEYS; k++) {
            assertThat(moves[k]).as("moves of key-" + k).isLessThanOrEqualTo(2);
            assertThat(now[k]).as("key-" + k + " back on its owner").isEqualTo(owner[k]);
            owned += owner[k].equals(flapper) ? 1 : 0;
        }
        assertThat(owned).as("keys the flapper owns").isBetween(KEYS / 5 - KEYS / 20, KEYS / 5 + KEYS / 20);
        for (int k = 0; k < KEYS; k++) {
            assertThat(moves[k]).isEqualTo(owner[k].equals(flapper) ? 2 : 0);
        }
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void withoutAReturnDelayTheSameFlappingMovesKeysAtEveryFlap(AffinityAlgorithm algorithm) {
        MultiPool<MemoryFactory.Connection> pool = pool(algorithm, Duration.ZERO);
        ServerAddress flapper = ServerAddress.of("cache-2", 11211);
        ServerAddress[] owner = placeAll(pool);
        int[] moves = new int[KEYS];
        ServerAddress[] now = owner.clone();
        for (int second = 1; second <= 60; second++) {
            clock.advance(Duration.ofSeconds(1));
            scheduler.runDue();
            if (second % 5 == 0) {
                flap(pool, flapper, second % 10 == 5);
            }
            count(pool, now, moves);
        }
        for (int k = 0; k < KEYS; k++) {
            assertThat(moves[k]).isEqualTo(owner[k].equals(flapper) ? 12 : 0);
        }
    }

    /** Ejects the server (by the operator's hand, as a failure streak would) or re-admits it. */
    private static void flap(MultiPool<MemoryFactory.Connection> pool, ServerAddress server, boolean out) {
        if (out) {
            assertThat(pool.eject(server)).isTrue();
        } else {
            assertThat(pool.readmit(server)).isTrue();
        }
    }

    private static ServerAddress[] placeAll(MultiPool<MemoryFactory.Connection> pool) {
        ServerAddress[] placed = new ServerAddress[KEYS];
        for (int k = 0; k < KEYS; k++) {
            placed[k] = pool.serverFor("key-" + k);
        }
        return placed;
    }

    private static void count(MultiPool<MemoryFactory.Connection> pool, ServerAddress[] now, int[] moves) {
        for (int k = 0; k < KEYS; k++) {
            ServerAddress server = pool.serverFor("key-" + k);
            if (!server.equals(now[k])) {
                moves[k]++;
                now[k] = server;
            }
        }
    }

    private static int keysOn(ServerAddress[] now, ServerAddress server) {
        int n = 0;
        for (ServerAddress s : now) {
            n += s.equals(server) ? 1 : 0;
        }
        return n;
    }
}
