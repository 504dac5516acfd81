package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One definition of a usable server ({@link ServerStats#usable()}): its state accepts borrows and it is not
 * failing. With every server refusing connections, the pool keeps some ACTIVE (it never ejects more than
 * max-percent), but none of them is usable.
 */
class UsableServersTest {

    private final List<TestServer> servers = new ArrayList<>();
    private MultiPool<SocketConnection> pool;

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::stop);
    }

    @Test
    void serversThatAllRefuseConnectionsAreNotUsableThoughSomeStayActive() throws IOException {
        for (int i = 0; i < 3; i++) {
            servers.add(TestServer.start());
        }
        pool = MultiPool.builder(SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(500)).build())
                .name("usable").servers(servers.stream().map(TestServer::address).toList())
                .retryAttempts(3).backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                .ejection(3, Duration.ofMinutes(1), Duration.ofMinutes(2), 50).build();
        assertThat(pool.stats().usableServers()).isEqualTo(3);
        assertThat(pool.stats().servers()).allMatch(ServerStats::usable);

        servers.forEach(TestServer::stop);
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(pool::borrow).isInstanceOf(PoolException.class);
        }

        PoolStats stats = pool.stats();
        assertThat(stats.servers()).filteredOn(s -> s.state() == ServerState.EJECTED).hasSize(1);
        assertThat(stats.servers()).filteredOn(s -> s.state() == ServerState.ACTIVE).hasSize(2)
                .allSatisfy(s -> {
                    assertThat(s.failures()).isGreaterThanOrEqualTo(3);
                    assertThat(s.usable()).as(s.server() + " failing").isFalse();
                });
        assertThat(stats.usableServers()).as("ACTIVE but failing is not usable").isZero();
        for (ServerStats s : stats.servers()) {
            assertThat(pool.stats(s.server()).usable()).isFalse();
        }
    }

    @Test
    void theDefinition() {
        assertThat(ServerStats.isUsable(ServerState.ACTIVE, 2, 3)).isTrue();
        assertThat(ServerStats.isUsable(ServerState.PROBING, 0, 3)).isTrue();
        assertThat(ServerStats.isUsable(ServerState.ACTIVE, 3, 3)).isFalse();
        assertThat(ServerStats.isUsable(ServerState.EJECTED, 0, 3)).isFalse();
        assertThat(ServerStats.isUsable(ServerState.DRAINING, 0, 3)).isFalse();
    }
}
