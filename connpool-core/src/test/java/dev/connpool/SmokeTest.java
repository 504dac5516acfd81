package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeTest {

    @Test
    void borrowRoundTripAndClose() throws Exception {
        try (TestServer server = TestServer.start()) {
            CountingFactory<SocketConnection> factory = CountingFactory.sockets();
            MultiPool<SocketConnection> pool = MultiPool.builder(factory).name("smoke").servers(List.of(server.address())).build();
            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
            }
            String echoed = pool.execute(c -> Lines.roundTrip(c, "hello"));
            assertThat(echoed).isEqualTo("hello");
            assertThat(pool.stats().idle()).isEqualTo(1);
            pool.close();
            assertThat(factory.created.get()).isEqualTo(1);
            assertThat(factory.destroyed.get()).isEqualTo(1);
            assertThat(factory.errors).isEmpty();
        }
    }
}
