package dev.connpool.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnectionFactory;
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

    private static WeakReference<MultiPool<?>> bindReadAndClose(MeterRegistry registry) {
        MultiPool<?> pool = MultiPool.builder(SocketConnectionFactory.builder().build()).name("gone")
                .servers(List.of(ServerAddress.of("127.0.0.1", 9))).build();
        new ConnpoolMeterBinder(new MultiPoolRegistry(List.of(pool)), Duration.ZERO).bindTo(registry);
        assertThat(registry.get("connpool.connections.max").gauge().value()).isEqualTo(8);
        assertThat(registry.get("connpool.server.up").gauge().value()).isEqualTo(1);
        pool.close();
        return new WeakReference<>(pool);
    }
}
