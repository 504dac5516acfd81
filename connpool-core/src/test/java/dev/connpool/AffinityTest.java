package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code serverFor}, {@code borrowFor} and {@code executeFor} on the fake clock and in-memory connections: text
 * and binary keys agree, the work goes where {@code serverFor} says, membership changes move only the keys they
 * must (a server added again after its removal waits out the return delay, a new one does not), a failure is
 * never retried on a server the key does not go to, and the {@code affinity.*} settings are checked.
 */
class AffinityTest {

    private final FakeClock clock = new FakeClock();
    private final MemoryFactory factory = new MemoryFactory(clock);
    private MultiPool<MemoryFactory.Connection> pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.close();
        }
        assertThat(factory.errors).isEmpty();
    }

    private static List<ServerAddress> servers(int n) {
        List<ServerAddress> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(ServerAddress.of("cache-" + i, 11211));
        }
        return servers;
    }

    private MultiPool<MemoryFactory.Connection> pool(AffinityAlgorithm algorithm, List<ServerAddress> servers) {
        pool = MultiPool.builder(factory).name("keys").servers(servers).affinityAlgorithm(algorithm)
                .healthCheckInterval(Duration.ZERO).backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                .shutdownTimeout(Duration.ZERO).clock(clock).scheduler(new ManualScheduler(clock)).build();
        return pool;
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void aKeysWorkGoesWhereServerForSaysAndTextAndBytesAgree(AffinityAlgorithm algorithm) {
        MultiPool<MemoryFactory.Connection> pool = pool(algorithm, servers(5));
        for (int k = 0; k < 500; k++) {
            String key = "clé-" + k;
            ServerAddress server = pool.serverFor(key);
            assertThat(pool.serverFor(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(server);
            try (Lease<MemoryFactory.Connection> lease = pool.borrowFor(key)) {
                assertThat(lease.server()).isEqualTo(server);
                assertThat(lease.connection().server).isEqualTo(server);
            }
            try (Lease<MemoryFactory.Connection> lease = pool.borrowFor(key.getBytes(StandardCharsets.UTF_8))) {
                assertThat(lease.server()).isEqualTo(server);
            }
            ServerAddress ranOn = pool.executeFor(key, c -> c.server);
            assertThat(ranOn).isEqualTo(server);
            ranOn = pool.executeFor(key.getBytes(StandardCharsets.UTF_8), c -> c.server);
            assertThat(ranOn).isEqualTo(server);
        }
        assertThatThrownBy(() -> pool.serverFor((String) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("key");
        assertThatThrownBy(() -> pool.executeFor("k", (PoolCallback<MemoryFactory.Connection, Object>) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("work");
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void aPoolWithoutServersSaysSo(AffinityAlgorithm algorithm) {
        MultiPool<MemoryFactory.Connection> pool = pool(algorithm, List.of());
        assertThatThrownBy(() -> pool.serverFor("k")).isInstanceOf(NoServerAvailableException.class)
                .hasMessageContaining("pool 'keys'").hasMessageContaining("no servers");
        assertThatThrownBy(() -> pool.executeFor("k", c -> c)).isInstanceOf(NoServerAvailableException.class);
        pool.addServer(ServerAddress.of("cache-9", 11211));
        assertThat(pool.serverFor("k")).isEqualTo(ServerAddress.of("cache-9", 11211));
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void membershipChangesMoveOnlyTheKeysTheyMust(AffinityAlgorithm algorithm) {
        MultiPool<MemoryFactory.Connection> pool = pool(algorithm, servers(4));
        String[] keys = new String[2000];
        ServerAddress[] before = new ServerAddress[keys.length];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = "key-" + k;
            before[k] = pool.serverFor(keys[k]);
        }
        ServerAddress newcomer = ServerAddress.of("cache-4", 11211);
        pool.addServer(newcomer); // a new server takes its keys at once
        ServerAddress[] added = placed(pool, keys);
        int movedToNew = 0;
        for (int k = 0; k < keys.length; k++) {
            if (!added[k].equals(before[k])) {
                assertThat(added[k]).isEqualTo(newcomer);
                movedToNew++;
            }
        }
        assertThat(movedToNew).isBetween(keys.length / 5 - 150, keys.length / 5 + 150);

        ServerAddress leaving = ServerAddress.of("cache-1", 11211);
        Lease<MemoryFactory.Connection> held = pool.borrow(leaving); // keeps it draining once removed
        assertThat(pool.removeServer(leaving)).isTrue();
        ServerAddress[] removed = placed(pool, keys);
        for (int k = 0; k < keys.length; k++) {
            assertThat(removed[k].equals(added[k])).as(keys[k]).isEqualTo(!added[k].equals(leaving));
        }
        // Added again while it drains: a server that comes back, so its keys wait out the return delay.
        pool.addServer(leaving);
        assertThat(pool.stats(leaving).state()).isEqualTo(ServerState.ACTIVE);
        clock.advance(Duration.ofSeconds(29));
        assertThat(placed(pool, keys)).isEqualTo(removed);
        clock.advance(Duration.ofSeconds(1));
        assertThat(placed(pool, keys)).isEqualTo(added);
        held.close();

        pool.updateServers(servers(4)); // the newcomer leaves; everything is where it started
        assertThat(placed(pool, keys)).isEqualTo(before);
    }

    private static ServerAddress[] placed(MultiPool<MemoryFactory.Connection> pool, String[] keys) {
        ServerAddress[] placed = new ServerAddress[keys.length];
        for (int k = 0; k < keys.length; k++) {
            placed[k] = pool.serverFor(keys[k]);
        }
        return placed;
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void aFailureIsRetriedOnlyWhereTheKeyGoesOnceItsServerIsEjected(AffinityAlgorithm algorithm) {
        MultiPool<MemoryFactory.Connection> pool = pool(algorithm, servers(3));
        String key = "key-7";
        ServerAddress owner = pool.serverFor(key);
        List<ServerAddress> ran = new ArrayList<>();
        // A server failure that does not eject (1 of 3 in a row): thrown, nothing tried elsewhere.
        assertThatThrownBy(() -> pool.executeFor(key, c -> {
            ran.add(c.server);
            throw new ConnectException("refused mid-call");
        })).isInstanceOf(CallbackFailedException.class).hasMessageContaining(owner.toString());
        assertThat(ran).containsExactly(owner);
        assertThat(pool.stats(owner).failures()).isEqualTo(1);
        assertThat(pool.serverFor(key)).isEqualTo(owner);

        // The owner goes down: a failed connect (its second failure in a row) is thrown; the third ejects it, and
        // the same call runs on the fallback.
        factory.down(owner, true);
        ran.clear();
        assertThatThrownBy(() -> pool.borrowFor(key)).isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining(owner.toString());
        assertThat(pool.stats(owner).failures()).isEqualTo(2);
        String answered = pool.executeFor(key, c -> {
            ran.add(c.server);
            return "answered by " + c.server;
        });
        ServerAddress fallback = pool.serverFor(key);
        assertThat(fallback).isNotEqualTo(owner);
        assertThat(answered).isEqualTo("answered by " + fallback);
        assertThat(ran).containsExactly(fallback);
        assertThat(pool.stats(owner).state()).isEqualTo(ServerState.EJECTED);
        // A work failure is the caller's: returned as it is, nobody charged, no retry.
        assertThatThrownBy(() -> pool.executeFor(key, c -> {
            throw new IllegalStateException("not found");
        })).isInstanceOf(IllegalStateException.class).hasMessage("not found");
        assertThat(pool.stats(fallback).failures()).isZero();
    }

    @Test
    void theAffinitySettingsAreCheckedAndListed() {
        MultiPool.Builder<MemoryFactory.Connection> builder = MultiPool.builder(factory).name("s");
        AffinitySettings defaults = builder.settings().affinity();
        assertThat(defaults.algorithm()).isEqualTo(AffinityAlgorithm.RENDEZVOUS);
        assertThat(defaults.returnDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.loadBound()).isZero();
        assertThat(defaults.loadBounded()).isFalse();
        assertThat(builder.settings().toMap()).containsEntry("affinity", java.util.Map.of("algorithm", "rendezvous",
                "return-delay", Duration.ofSeconds(30), "load-bound", 0.0));
        AffinitySettings set = builder.affinityAlgorithm(AffinityAlgorithm.KETAMA).affinityLoadBound(1.25)
                .affinityReturnDelay(Duration.ZERO).settings().affinity();
        assertThat(set.loadBounded()).isTrue();
        assertThat(set.toString()).contains("ketama").contains("1.25");
        for (double bad : new double[] {-1, 0.5, 0.999, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> MultiPool.builder(factory).name("s").affinityLoadBound(bad).settings())
                    .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                        assertThat(e.setting()).isEqualTo("affinity.load-bound");
                        assertThat(e.getMessage()).contains("0 (off) or a factor of at least 1.0");
                    });
        }
        assertThatThrownBy(() -> MultiPool.builder(factory).affinityReturnDelay(Duration.ofSeconds(-1)).settings())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.setting()).isEqualTo("affinity.return-delay"));
        assertThatThrownBy(() -> MultiPool.builder(factory).affinityAlgorithm(null).settings())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.setting()).isEqualTo("affinity.algorithm"));
        assertThat(AffinityAlgorithm.named(" KETAMA ")).isEqualTo(AffinityAlgorithm.KETAMA);
        assertThatThrownBy(() -> AffinityAlgorithm.named("maglev")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'maglev'").hasMessageContaining("rendezvous, ketama");
    }
}
