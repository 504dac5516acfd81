package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A borrow whose balancer picks a full server (max-active leases out) draws once more and takes a server with
 * room rather than waiting, over real sockets: two servers of one connection each, the test holding the first
 * one's, and max-wait far longer than the test may take, so that a borrow that waited could not return.
 */
class FullServerPickTest {

    private static final Duration LONG_WAIT = Duration.ofSeconds(10);

    private final List<TestServer> servers = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;
    private MultiPool<SocketConnection> pool;
    private final AtomicInteger picks = new AtomicInteger();

    /** The first server on even picks, the second on odd ones: the full one first, then the one with room. */
    private final Balancer alternating = new Balancer() {
        @Override
        public <S extends Candidate> S pick(List<S> candidates) {
            return candidates.get(picks.getAndIncrement() % 2 == 0 ? 0 : candidates.size() - 1);
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 2; i++) {
            servers.add(TestServer.start());
        }
        factory = new CountingFactory<>(SocketConnectionFactory.builder().connectTimeout(Duration.ofMillis(500)).build());
        pool = MultiPool.builder(factory).name("full").servers(servers.stream().map(TestServer::address).toList())
                .maxActive(1).maxWait(LONG_WAIT).balancer(alternating).build();
    }

    @AfterEach
    void tearDown() {
        pool.close();
        servers.forEach(TestServer::close);
        assertThat(factory.live()).as("every connection made was destroyed").isZero();
    }

    @Test
    void aPickOfAFullServerGoesToOneWithRoomWithoutWaiting() {
        ServerAddress full = servers.get(0).address();
        try (Lease<SocketConnection> held = pool.borrow(full)) {
            picks.set(0);
            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.server()).isEqualTo(servers.get(1).address());
            }
            assertThat(picks.get()).as("the balancer drew twice: the full server, then the other").isEqualTo(2);
            assertThat(held.server()).isEqualTo(full);
        }
    }

    @Test
    void aPickWithRoomStandsAtTheFirstDraw() {
        picks.set(0);
        try (Lease<SocketConnection> lease = pool.borrow()) {
            assertThat(lease.server()).isEqualTo(servers.get(0).address());
        }
        assertThat(picks.get()).isEqualTo(1);
    }
}
