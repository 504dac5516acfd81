package dev.connpool.spring.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import dev.connpool.TestServer;
import dev.connpool.spring.MultiPoolRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The meters as a Prometheus scrape shows them: the names without a unit suffix
 * ({@code connpool_connections_active}, as HikariCP's {@code hikaricp_connections_active}), the cumulative
 * counts as counters ({@code TYPE counter}, {@code _total}), pending described as waiting borrowers. What
 * the metrics table of docs/spring-boot.md says of each name in Prometheus is checked here.
 */
class PrometheusScrapeTests {

    @Test
    void theScrapeShouldNameEveryMeterWithoutAUnitAndTypeTheCumulativeCountsAsCounters() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start();
             MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder().build())
                     .name("orders").servers(List.of(a.address(), b.address())).maxActive(1)
                     .maxWait(Duration.ofSeconds(30)).ejectionBaseTime(Duration.ofMinutes(1))
                     .ejectionMaxTime(Duration.ofMinutes(1)).healthCheckInterval(Duration.ZERO).build();
             ConnpoolMeterBinder binder = new ConnpoolMeterBinder(new MultiPoolRegistry(List.of(pool)))) {
            binder.bindTo(registry);
            Lease<SocketConnection> held = pool.borrow(a.address());
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> pool.borrow(a.address()).close());
            String tags = "{pool=\"orders\",server=\"" + a.address() + "\"}";
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.scrape()
                    .contains("connpool_connections_pending" + tags + " 1.0"));
            assertThat(pool.eject(b.address())).isTrue();

            String scrape = registry.scrape();
            assertThat(scrape).contains("# TYPE connpool_connections_active gauge\n")
                    .contains("connpool_connections_active" + tags + " 1.0\n")
                    .contains("# TYPE connpool_connections_idle gauge\n")
                    .contains("# TYPE connpool_connections_pending gauge\n")
                    .contains("# HELP connpool_connections_pending Borrowers waiting for a connection")
                    .contains("# TYPE connpool_connections_max gauge\n")
                    .contains("connpool_connections_max" + tags + " 1.0\n")
                    .contains("# TYPE connpool_server_up gauge\n")
                    // Prometheus reserves the suffix _created (a counter's creation time) and drops it:
                    // connpool.connections.created is exported as connpool_connections_total (docs/spring-boot.md says so)
                    .contains("# HELP connpool_connections_total Connections opened to the server\n")
                    .contains("# TYPE connpool_connections_total counter\n")
                    .contains("connpool_connections_total" + tags + " 1.0\n")
                    .contains("# TYPE connpool_connections_destroyed_total counter\n")
                    .contains("# TYPE connpool_server_ejections_total counter\n")
                    .contains("connpool_server_ejections_total{pool=\"orders\",server=\"" + b.address() + "\"} 1.0\n")
                    .contains("connpool_server_ejections_total" + tags + " 0.0\n")
                    .contains("connpool_connections_acquire_seconds_count{pool=\"orders\"}")
                    .contains("# TYPE connpool_connections_timeout_total counter\n")
                    .doesNotContain("_active_connections").doesNotContain("_idle_connections")
                    .doesNotContain("_pending_connections").doesNotContain("_max_connections")
                    .doesNotContain("_destroyed_connections")
                    .doesNotContain("connpool_server_ejections{").doesNotContain("connpool_server_ejections gauge");
            held.close();
            waiter.get();
        }
    }
}
