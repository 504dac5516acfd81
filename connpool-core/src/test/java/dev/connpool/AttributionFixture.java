package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * What the tests of issue 12's failure model share: real {@link TestServer}s, the {@link ClientLike}
 * factory (counted), a {@link FakeClock} (back-off pauses are recorded, not slept) with housekeeping run by
 * hand, and the books checked after each test: every connection destroyed exactly once, none left open.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
abstract class AttributionFixture {

    final List<TestServer> servers = new ArrayList<>();
    final List<MultiPool<?>> pools = new ArrayList<>();
    final CountingFactory<SocketConnection> factory = ClientLike.factory();
    final FakeClock clock = new FakeClock();
    final ManualScheduler housekeeping = new ManualScheduler(clock);

    @AfterEach
    void closeAndCheckTheBooks() {
        pools.forEach(MultiPool::close);
        servers.forEach(TestServer::close);
        assertThat(factory.errors).isEmpty();
        assertThat(factory.live()).as("connections left open after close").isZero();
        assertThat(factory.destroyed.get()).isEqualTo(factory.created.get());
    }

    TestServer server() throws IOException {
        TestServer server = TestServer.start();
        servers.add(server);
        return server;
    }

    /**
     * A pool over {@code members} that tries the first one first, on the fake clock, without validation (so
     * that a dead idle connection reaches the work, as with a client whose socket the factory cannot see).
     */
    MultiPool.Builder<SocketConnection> builder(TestServer... members) {
        List<ServerAddress> addresses = new ArrayList<>();
        for (TestServer member : members) {
            addresses.add(member.address());
        }
        return MultiPool.builder(factory).name("attribution")
                .servers(addresses).balancer(FaultScenarios.prefer(addresses.get(0))).maxActive(4)
                .validateOnBorrow(false).validateWhileIdle(false).clock(clock).scheduler(housekeeping)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.0)
                .shutdownTimeout(Duration.ZERO); // fake time never passes: a failed test's leases are forced at once
    }

    MultiPool<SocketConnection> track(MultiPool<SocketConnection> pool) {
        pools.add(pool);
        return pool;
    }

    /** Opens {@code count} connections to the server at once and gives them back: that many idle ones. */
    static List<SocketConnection> idle(MultiPool<SocketConnection> pool, TestServer server, int count) {
        List<Lease<SocketConnection>> leases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            leases.add(pool.borrow(server.address()));
        }
        List<SocketConnection> connections = new ArrayList<>();
        try {
            for (Lease<SocketConnection> lease : leases) {
                assertThat(ClientLike.roundTrip(lease.connection(), "warm")).isEqualTo("warm");
                connections.add(lease.connection());
            }
        } finally {
            leases.forEach(Lease::close);
        }
        assertThat(stats(pool, server).idle()).isEqualTo(count);
        return connections;
    }

    /** Restarts the server on its port: every connection it had is closed, new ones are accepted. */
    static void restart(TestServer server) throws IOException {
        server.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        server.restart();
    }

    static ServerStats stats(MultiPool<?> pool, TestServer server) {
        return pool.stats().server(server.address());
    }
}
