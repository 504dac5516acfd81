package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.junit.jupiter.api.Test;

/**
 * connpool runs on commons-pool2 2.12.x and 2.13.x (Spring Boot 3.5 and 4.0 manage 2.12.1, Boot 4.1 2.13.1). Core is
 * compiled against 2.12 and its whole suite runs on it; the profile {@code commons-pool2-2.13} runs the same classes
 * with 2.13 on the class path (.ci/run). This test pins which one a run has, so that neither run can pass on the
 * other's jar, and goes once through every call connpool makes to commons-pool2.
 */
class CommonsPoolVersionTest {

    @Test
    void runsOnTheCommonsPool2TheBuildNames() {
        String onClassPath = GenericKeyedObjectPool.class.getPackage().getImplementationVersion();
        String expected = System.getProperty("connpool.test.commons-pool2");
        if (expected != null) {
            assertThat(onClassPath).as("commons-pool2 on the test class path").isEqualTo(expected);
        }
        assertThat(onClassPath).as("commons-pool2 on the test class path").matches("2\\.1[2-9]\\..*");
    }

    @Test
    void opensInvalidatesAndClosesThroughCommonsPool2() throws Exception {
        try (TestServer server = TestServer.start()) {
            CountingFactory<SocketConnection> factory = CountingFactory.sockets();
            MultiPool<SocketConnection> pool = MultiPool.builder(factory)
                    .name("pool2-version")
                    .servers(List.of(server.address()))
                    .build();
            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
                lease.invalidate();
            }
            try (Lease<SocketConnection> lease = pool.borrowNew(server.address())) {
                assertThat(Lines.roundTrip(lease.connection(), "PING")).isEqualTo("PONG");
            }
            pool.close();
            assertThat(factory.created.get()).isEqualTo(2);
            assertThat(factory.destroyed.get()).isEqualTo(2);
            assertThat(factory.errors).isEmpty();
        }
    }
}
