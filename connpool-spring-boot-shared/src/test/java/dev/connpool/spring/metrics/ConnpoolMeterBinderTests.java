package dev.connpool.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import dev.connpool.TestServer;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnpoolMeterBinderTests {

    @Test
    void theMetersShouldNotKeepAClosedPoolAlive() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WeakReference<MultiPool<?>> pool = bindReadAndClose(registry);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            System.gc();
            return pool.get() == null;
        });
        assertThat(registry.get("connpool.connections.active").gauge().value()).isNaN();
    }

    @Test
    void theGaugesShouldReadTheLiveCountsRightAfterABorrow() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TestServer server = TestServer.start();
             MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder().build())
                     .name("live").servers(List.of(server.address())).build();
             ConnpoolMeterBinder binder = new ConnpoolMeterBinder(new MultiPoolRegistry(List.of(pool)))) {
            binder.bindTo(registry);
            assertThat(gauge(registry, "connpool.connections.active")).isZero();
            assertThat(gauge(registry, "connpool.connections.idle")).isZero();
            Lease<SocketConnection> first = pool.borrow();
            Lease<SocketConnection> second = pool.borrow();
            assertThat(gauge(registry, "connpool.connections.active")).as("right after two borrows").isEqualTo(2);
            assertThat(registry.get("connpool.connections.created").functionCounter().count()).isEqualTo(2);
            first.close();
            assertThat(gauge(registry, "connpool.connections.active")).isEqualTo(1);
            assertThat(gauge(registry, "connpool.connections.idle")).isEqualTo(1);
            second.close();
            assertThat(gauge(registry, "connpool.connections.active")).isZero();
            assertThat(gauge(registry, "connpool.connections.idle")).isEqualTo(2);
        }
    }

    private static double gauge(MeterRegistry registry, String name) {
        return registry.get(name).tag("pool", "live").gauge().value();
    }

    private static WeakReference<MultiPool<?>> bindReadAndClose(MeterRegistry registry) {
        MultiPool<?> pool = MultiPool.builder(SocketConnectionFactory.builder().build()).name("gone")
                .servers(List.of(ServerAddress.of("127.0.0.1", 9))).build();
        new ConnpoolMeterBinder(new MultiPoolRegistry(List.of(pool))).bindTo(registry);
        assertThat(registry.get("connpool.connections.max").gauge().value()).isEqualTo(8);
        assertThat(registry.get("connpool.server.up").gauge().value()).isEqualTo(1);
        pool.close();
        return new WeakReference<>(pool);
    }
}
