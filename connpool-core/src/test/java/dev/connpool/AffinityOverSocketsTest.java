package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code executeFor} over real sockets ({@link TestServer}s on loopback): each key's work reaches its owner; when
 * the owner stops, the call that finds it dead ejects it and runs on the key's fallback, and so do the later
 * ones; once it is back and has been {@code ACTIVE} for {@code affinity.return-delay}, and not before, its keys
 * return to it. Keys of the other servers never move.
 */
class AffinityOverSocketsTest {

    private static final Duration RETURN_DELAY = Duration.ofSeconds(1);
    private static final int KEYS = 300;
    private final List<TestServer> servers = new ArrayList<>();
    private MultiPool<SocketConnection> pool;

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            servers.add(TestServer.start());
        }
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
    }

    @ParameterizedTest
    @EnumSource(AffinityAlgorithm.class)
    void keysFailOverWhileTheirOwnerIsOutAndComeBackAfterTheReturnDelay(AffinityAlgorithm algorithm) throws Exception {
        pool = MultiPool.builder(SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .name("sockets").servers(servers.stream().map(TestServer::address).toList())
                .affinityAlgorithm(algorithm).affinityReturnDelay(RETURN_DELAY)
                .ejection(1, Duration.ofMillis(200), Duration.ofMillis(200), 50).healthCheckInterval(Duration.ZERO)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5), 2.0, 0.2).build();
        Map<String, ServerAddress> owner = new HashMap<>();
        for (int k = 0; k < KEYS; k++) {
            String key = "key-" + k;
            owner.put(key, pool.serverFor(key));
        }
        TestServer victim = servers.get(1);
        List<String> victimKeys = owner.keySet().stream().filter(k -> owner.get(k).equals(victim.address())).toList();
        assertThat(victimKeys).hasSizeBetween(KEYS / 6, KEYS / 2);
        // Every key's work reaches its owner.
        int[] before = requests();
        for (String key : owner.keySet()) {
            String reply = pool.executeFor(key, c -> Lines.roundTrip(c, key));
            assertThat(reply).isEqualTo(key);
        }
        int[] after = requests();
        for (int i = 0; i < servers.size(); i++) {
            ServerAddress server = servers.get(i).address();
            long keys = owner.values().stream().filter(server::equals).count();
            assertThat(after[i] - before[i]).as("requests to " + server).isEqualTo((int) keys);
        }

        // The owner stops: the first call on one of its keys ejects it and is answered by the key's fallback.
        victim.stop();
        for (String key : victimKeys) {
            String reply = pool.executeFor(key, c -> Lines.roundTrip(c, key));
            assertThat(reply).isEqualTo(key);
            assertThat(pool.serverFor(key)).isNotEqualTo(victim.address());
        }
        assertThat(pool.stats(victim.address()).ejections()).isEqualTo(1);
        for (String key : owner.keySet()) {
            if (!victimKeys.contains(key)) {
                assertThat(pool.serverFor(key)).as(key + " stays").isEqualTo(owner.get(key));
            }
        }

        // Back up: the ejection's end brings a trial, the trial re-admits it; its keys wait out the return delay.
        victim.restart();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> pool.stats(victim.address()).state() == ServerState.ACTIVE);
        Instant activeAt = pool.stats(victim.address()).history().stream()
                .filter(c -> c.to() == ServerState.ACTIVE).findFirst().orElseThrow().at();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            long onVictim = victimKeys.stream().filter(k -> pool.serverFor(k).equals(victim.address())).count();
            // Measured after the keys were looked up: if it is still early now, it was when they were.
            if (Duration.between(activeAt, Instant.now()).compareTo(RETURN_DELAY) < 0) {
                assertThat(onVictim).as("keys back on their owner before the return delay").isZero();
            }
            return onVictim == victimKeys.size();
        });
        int victimBefore = victim.requests();
        for (String key : victimKeys) {
            String reply = pool.executeFor(key, c -> Lines.roundTrip(c, key));
            assertThat(reply).isEqualTo(key);
        }
        assertThat(victim.requests() - victimBefore).isEqualTo(victimKeys.size());
    }

    private int[] requests() {
        int[] counts = new int[servers.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = servers.get(i).requests();
        }
        return counts;
    }
}
