package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connpool.ServerStateChange.Origin;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Why is this server ejected? Every state change is kept with its cause (kind, exception, message, origin),
 * the last {@link ServerHistory#SIZE} per server, newest first, in {@link ServerStats#history()}.
 */
class ServerHistoryTest {

    private final List<TestServer> servers = new ArrayList<>();
    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private MultiPool<SocketConnection> pool;

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::stop);
    }

    private void pool(int serverCount) throws IOException {
        for (int i = 0; i < serverCount; i++) {
            servers.add(TestServer.start());
        }
        pool = MultiPool.builder(SocketConnectionFactory.builder().build()).name("history")
                .servers(servers.stream().map(TestServer::address).toList())
                .healthCheckInterval(Duration.ZERO) // traffic and operators only
                .backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                .clock(clock).scheduler(scheduler).build();
    }

    private List<ServerStateChange> history(TestServer server) {
        return pool.stats(server.address()).history();
    }

    @Test
    void trafficThatCannotConnectEjectsAServerAndTheHistorySaysWhyThenHowItCameBack() throws IOException {
        pool(3);
        TestServer down = servers.get(0);
        assertThat(history(down)).singleElement().satisfies(c -> {
            assertThat(c.from()).isNull();
            assertThat(c.to()).isEqualTo(ServerState.ACTIVE);
            assertThat(c.reason()).isEqualTo("added");
            assertThat(c.origin()).isEqualTo(Origin.OPERATOR);
            assertThat(c.kind()).isNull();
            assertThat(c.exception()).isNull();
        });
        down.stop();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> pool.borrow(down.address())).isInstanceOf(ConnectFailedException.class);
        }

        ServerStateChange ejected = history(down).get(0);
        assertThat(ejected.from()).isEqualTo(ServerState.ACTIVE);
        assertThat(ejected.to()).isEqualTo(ServerState.EJECTED);
        assertThat(ejected.origin()).isEqualTo(Origin.TRAFFIC);
        assertThat(ejected.reason()).isEqualTo("failures in a row");
        assertThat(ejected.kind()).isEqualTo(FailureKind.SERVER);
        assertThat(ejected.exception()).as("the factory's exception, not connpool's wrapper")
                .isEqualTo(ConnectException.class.getName());
        assertThat(ejected.message()).isNotBlank();
        assertThat(ejected.at()).isBeforeOrEqualTo(Instant.now());

        down.restartQuietly();
        clock.advance(Duration.ofSeconds(1)); // ejection.base-time
        scheduler.runDue(); // the ejection ends; the pool's trial connects, which proves nothing (no round-trip probe)
        assertThat(history(down).get(0).reason()).isEqualTo("ejection over");
        clock.advance(Duration.ofSeconds(1)); // no borrower's lease came to try it within base-time
        scheduler.runDue(); // so the pool's trial re-admits it

        List<ServerStateChange> history = history(down);
        assertThat(history).extracting(ServerStateChange::reason)
                .containsExactly("trial passed", "ejection over", "failures in a row", "added");
        assertThat(history).extracting(ServerStateChange::origin)
                .containsExactly(Origin.PROBE, Origin.TIMER, Origin.TRAFFIC, Origin.OPERATOR);
        assertThat(history).extracting(ServerStateChange::to)
                .containsExactly(ServerState.ACTIVE, ServerState.PROBING, ServerState.EJECTED, ServerState.ACTIVE);
        assertThat(history.get(1).at()).as("newest first").isAfterOrEqualTo(history.get(2).at());
    }

    @Test
    void operatorsAreNamedAndOnlyTheLastFiveChangesAreKept() throws IOException {
        pool(2);
        TestServer server = servers.get(0);
        for (int i = 0; i < 4; i++) {
            assertThat(pool.eject(server.address())).isTrue();
            assertThat(pool.readmit(server.address())).isTrue();
        }
        pool.removeServer(servers.get(1).address());

        List<ServerStateChange> history = history(server);
        assertThat(history).hasSize(ServerHistory.SIZE);
        assertThat(history).extracting(ServerStateChange::reason).containsExactly("re-admitted by operator",
                "ejected by operator", "re-admitted by operator", "ejected by operator", "re-admitted by operator");
        assertThat(history).allSatisfy(c -> assertThat(c.origin()).isEqualTo(Origin.OPERATOR));

        pool.addServer(servers.get(1).address()); // drained and forgotten already: it joins anew
        assertThat(history(servers.get(1))).extracting(ServerStateChange::reason).containsExactly("added");
    }

    @Test
    void aDrainingServerRecordsItsRemovalAndItsReturn() throws IOException {
        pool(2);
        TestServer server = servers.get(0);
        try (Lease<SocketConnection> lease = pool.borrow(server.address())) {
            pool.removeServer(server.address());
            assertThat(history(server).get(0).to()).isEqualTo(ServerState.DRAINING);
            assertThat(history(server).get(0).reason()).isEqualTo("removed");
            pool.addServer(server.address());
            assertThat(history(server).get(0)).satisfies(c -> {
                assertThat(c.from()).isEqualTo(ServerState.DRAINING);
                assertThat(c.to()).isEqualTo(ServerState.ACTIVE);
                assertThat(c.reason()).isEqualTo("added");
            });
            assertThat(lease.connection()).isNotNull();
        }
    }

    @Test
    void anInvalidatedLeaseIsNamedAndAMessageIsCut() {
        ServerAddress server = ServerAddress.of("127.0.0.1", 1);
        ServerHistory.Cause invalidated = ServerHistory.failure(Origin.TRAFFIC, "failures in a row", server, null,
                ServerHistory.Classifier.NONE);
        assertThat(invalidated.message()).isEqualTo("a lease was invalidated");
        assertThat(invalidated.exception()).isNull();

        String longText = "x".repeat(1_000);
        ServerHistory.Cause cut = ServerHistory.failure(Origin.TRAFFIC, "failures in a row", server,
                new IOException(longText), (s, f) -> FailureKind.CONNECTION);
        assertThat(cut.message()).hasSize(ServerHistory.MAX_MESSAGE).endsWith("...");
        assertThat(cut.kind()).isEqualTo(FailureKind.CONNECTION);

        ServerHistory.Cause throwing = ServerHistory.failure(Origin.TRAFFIC, "failures in a row", server,
                new IOException("boom"), (s, f) -> {
                    throw new IllegalStateException("a classify that throws");
                });
        assertThat(throwing.kind()).as("left out").isNull();
        assertThat(throwing.message()).isEqualTo("boom");
    }

    @Test
    void theHistoryIsBoundedAndSafeUnderConcurrentWriters() throws Exception {
        ServerHistory history = new ServerHistory();
        int threads = 4;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> writers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers.add(executor.submit(() -> {
                    start.await();
                    int largest = 0;
                    for (int i = 0; i < 10_000; i++) {
                        history.record(i, ServerState.ACTIVE, ServerState.EJECTED,
                                ServerHistory.Cause.of(Origin.TRAFFIC, "writer " + id));
                        largest = Math.max(largest, history.snapshot(i, Instant.EPOCH).size());
                    }
                    return largest;
                }));
            }
            start.countDown();
            for (Future<Integer> writer : writers) {
                assertThat(writer.get(30, TimeUnit.SECONDS)).isEqualTo(ServerHistory.SIZE);
            }
        } finally {
            executor.shutdownNow();
        }
        List<ServerStateChange> kept = history.snapshot(10_000, Instant.EPOCH);
        assertThat(kept).hasSize(ServerHistory.SIZE)
                .allSatisfy(c -> assertThat(c.at()).isBefore(Instant.EPOCH).isAfter(Instant.EPOCH.minusSeconds(1)));
    }
}
