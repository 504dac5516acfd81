package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** leak-detection-threshold: a lease held too long is reported once, with where it was borrowed. */
class LeakDetectionTest {

    private TestServer server;
    private MultiPool<SocketConnection> pool;
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final List<Throwable> traces = new CopyOnWriteArrayList<>();

    private final PoolListener recorder = new PoolListener() {
        @Override
        public void leakSuspected(String pool, ServerAddress server, Duration held, Throwable borrowTrace) {
            reports.add(pool + " " + server + " " + (held.toMillis() >= 200));
            traces.add(borrowTrace);
        }
    };

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        server.close();
    }

    private MultiPool<SocketConnection> pool(Duration threshold) {
        return MultiPool.builder(CountingFactory.sockets()).name("leaky").servers(List.of(server.address()))
                .leakDetectionThreshold(threshold).listener(recorder).shutdownTimeout(Duration.ZERO).build();
    }

    @Test
    void aLeaseHeldTooLongIsReportedOnceWithTheStackTraceOfItsBorrow() {
        pool = pool(Duration.ofMillis(200));
        Lease<SocketConnection> held = borrowAndForget();
        await().atMost(Duration.ofSeconds(5)).until(() -> reports.size() == 1);
        assertThat(reports).containsExactly("leaky " + server.address() + " true");
        assertThat(traces.get(0)).hasMessageContaining(server.address().toString()).hasMessageContaining("'leaky'");
        assertThat(traces.get(0).getStackTrace()).anySatisfy(frame ->
                assertThat(frame.getMethodName()).isEqualTo("borrowAndForget"));
        assertThat(pool.stats().server(server.address()).overdueLeases()).isEqualTo(1);
        // Reported once per lease, however long it stays out.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> reports.size() == 1);
        held.close();
        assertThat(pool.stats().server(server.address()).overdueLeases()).isZero();
    }

    @Test
    void eachLeaseIsReportedOnItsOwnAndAReturnedOneIsNot() {
        pool = pool(Duration.ofMillis(200));
        pool.borrow().close();  // back at once: never reported
        Lease<SocketConnection> a = pool.borrow();
        Lease<SocketConnection> b = pool.borrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> reports.size() == 2);
        assertThat(pool.stats().server(server.address()).overdueLeases()).isEqualTo(2);
        a.close();
        b.close();
        // The same connection lent again is a new lease: it may be reported again.
        Lease<SocketConnection> again = pool.borrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> reports.size() == 3);
        again.close();
    }

    @Test
    void theWarningIsLoggedWithTheBorrowersStackTrace() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            pool = pool(Duration.ofMillis(100));
            Lease<SocketConnection> held = borrowAndForget();
            await().atMost(Duration.ofSeconds(5)).until(() -> reports.size() == 1);
            held.close();
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("WARN").contains("pool 'leaky': a connection to " + server.address()
                + " has been leased for").contains("leak-detection-threshold 100 ms").contains("borrowAndForget");
    }

    @Test
    void offByDefaultNothingIsReported() {
        pool = MultiPool.builder(CountingFactory.sockets()).name("leaky").servers(List.of(server.address()))
                .listener(recorder).shutdownTimeout(Duration.ZERO).build();
        assertThat(pool.settings().leakDetection().threshold()).isZero();
        Lease<SocketConnection> held = pool.borrow();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(reports::isEmpty);
        assertThat(pool.stats().server(server.address()).overdueLeases()).isZero();
        held.close();
    }

    private Lease<SocketConnection> borrowAndForget() {
        return pool.borrow();
    }
}
