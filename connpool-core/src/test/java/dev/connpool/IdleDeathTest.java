package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The servers close every idle connection between two rounds of borrows; with validate-on-borrow (the
 * default) no borrow may hand out a dead connection: every round trip on every lease must succeed.
 */
class IdleDeathTest {

    private static final Duration AWAIT = Duration.ofSeconds(5);

    /** Polls every few milliseconds, for at most {@link #AWAIT}. */
    private static ConditionFactory soon() {
        return await().atMost(AWAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }
    private static final int PER_SERVER = 4;
    private static final int ROUNDS = 5;

    /** How the servers kill the idle connections. */
    enum Death {
        /** The server closes them (FIN). */
        FIN {
            @Override
            void kill(TestServer server) {
                server.closeAll();
            }
        },
        /** The server resets them (RST). */
        RST {
            @Override
            void kill(TestServer server) {
                server.resetAll();
            }
        },
        /** The server restarts on the same port (FIN for the old connections). */
        RESTART {
            @Override
            void kill(TestServer server) throws IOException {
                server.stop();
                server.restart();
            }
        };

        abstract void kill(TestServer server) throws IOException;
    }

    private final List<TestServer> servers = new ArrayList<>();
    private MultiPool<SocketConnection> pool;
    private CountingFactory<SocketConnection> factory;

    @BeforeEach
    void start() throws IOException {
        servers.add(TestServer.start());
        servers.add(TestServer.start());
        factory = CountingFactory.sockets();
        pool = MultiPool.builder(factory).name("idle-death")
                .servers(servers.stream().map(TestServer::address).toList())
                .maxActive(PER_SERVER).maxIdle(PER_SERVER)
                .shutdownTimeout(Duration.ofSeconds(1)) // a failed test leaves leases out: do not wait long for them
                .build();
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
    }

    @ParameterizedTest
    @EnumSource(Death.class)
    void borrowsAfterTheServersKilledTheIdleConnectionsNeverSeeADeadOne(Death death) throws Exception {
        int total = PER_SERVER * servers.size();
        for (int round = 0; round < ROUNDS; round++) {
            // borrow every connection the pool may have at once, so each server has PER_SERVER of them
            List<Lease<SocketConnection>> leases = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                leases.add(pool.borrow());
            }
            for (int i = 0; i < leases.size(); i++) {
                String line = death + "-round-" + round + "-lease-" + i;
                assertThat(Lines.roundTrip(leases.get(i).connection(), line))
                        .as("round trip on lease %d of round %d (server %s)", i, round, leases.get(i).server())
                        .isEqualTo(line);
            }
            leases.forEach(Lease::close);

            // each round after the first had to replace every connection: the old ones were all dead
            assertThat(factory.created.get()).as("created after round %d", round).isEqualTo(total * (round + 1));
            assertThat(factory.destroyed.get()).as("destroyed after round %d", round).isEqualTo(total * round);
            assertThat(factory.errors).isEmpty();
            for (TestServer server : servers) {
                ServerStats stats = pool.stats().server(server.address());
                assertThat(stats.state()).isEqualTo(ServerState.ACTIVE);
                assertThat(stats.active()).isZero();
                assertThat(stats.idle()).isEqualTo(PER_SERVER);
                assertThat(stats.created()).isEqualTo((long) PER_SERVER * (round + 1));
                assertThat(stats.destroyed()).isEqualTo((long) PER_SERVER * round);
                assertThat(stats.created() - stats.destroyed()).isEqualTo(stats.active() + stats.idle());
                assertThat(stats.failures()).as("a dead idle connection is no failure of the server").isZero();
                assertThat(stats.ejections()).isZero();
            }

            killIdleConnections(death);
        }
        assertThat(factory.live()).isEqualTo(total);
        pool.close();
        assertThat(factory.created.get()).isEqualTo(factory.destroyed.get());
        assertThat(factory.errors).isEmpty();
    }

    /** Kills every connection of every server and waits until the servers and a canary client saw it. */
    private void killIdleConnections(Death death) throws IOException {
        List<Socket> canaries = new ArrayList<>();
        for (TestServer server : servers) {
            soon().until(() -> server.openConnections() == PER_SERVER);
            Socket canary = new Socket();
            canary.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
            canary.setSoTimeout((int) AWAIT.toMillis());
            canaries.add(canary);
            soon().until(() -> server.openConnections() == PER_SERVER + 1);
        }
        for (TestServer server : servers) {
            death.kill(server);
        }
        for (int i = 0; i < servers.size(); i++) {
            TestServer server = servers.get(i);
            soon().until(() -> server.openConnections() == 0);
            // a plain client connection killed the same way: once it sees the end, the kernel has the news
            try (Socket canary = canaries.get(i)) {
                if (death == Death.RST) {
                    assertThatThrownBy(() -> canary.getInputStream().read()).isInstanceOf(SocketException.class);
                } else {
                    assertThat(canary.getInputStream().read()).isEqualTo(-1);
                }
            }
        }
    }
}
