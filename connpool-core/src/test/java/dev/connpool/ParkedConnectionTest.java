package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fast path: connections given back to a usable server are parked outside commons-pool2 (see
 * {@link KeyedPoolAdapter}). What must hold anyway: stats count them as idle, limits hold, ejection and
 * close reach them, idle-timeout closes them, and races with those leak nothing.
 */
class ParkedConnectionTest {

    private final List<TestServer> servers = new ArrayList<>();
    private final List<MultiPool<?>> pools = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 2; i++) {
            servers.add(TestServer.start());
        }
        factory = CountingFactory.sockets();
    }

    @AfterEach
    void tearDown() {
        pools.forEach(MultiPool::close);
        servers.forEach(TestServer::close);
        assertThat(factory.errors).isEmpty();
        assertThat(factory.live()).as("connections left open after close").isZero();
        assertThat(factory.destroyed.get()).isEqualTo(factory.created.get());
    }

    private MultiPool.Builder<SocketConnection> builder(int serverCount) {
        List<ServerAddress> addresses = servers.subList(0, serverCount).stream().map(TestServer::address).toList();
        return MultiPool.builder(factory).name("parked").servers(addresses).shutdownTimeout(Duration.ofSeconds(2));
    }

    private <C> MultiPool<C> track(MultiPool<C> pool) {
        pools.add(pool);
        return pool;
    }

    @Test
    void statsCountParkedConnectionsAsIdleAndLeasedOnesAsActive() {
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(4).build());
        ServerAddress server = servers.get(0).address();
        List<Lease<SocketConnection>> leases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leases.add(pool.borrow(server));
        }
        leases.get(0).close();
        leases.get(1).close();

        ServerStats s = pool.stats().server(server);
        assertThat(s.active()).isEqualTo(1);
        assertThat(s.idle()).isEqualTo(2);
        assertThat(s.created()).isEqualTo(3);
        assertThat(pool.stats().active()).isEqualTo(1);
        assertThat(pool.stats().idle()).isEqualTo(2);

        leases.get(2).close();
        assertThat(pool.stats().server(server).active()).isZero();
        assertThat(pool.stats().server(server).idle()).isEqualTo(3);
    }

    @Test
    void aParkedConnectionIsLentAgainAndMaxActiveStillHolds() {
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(2).maxWait(Duration.ofMillis(100)).build());
        ServerAddress server = servers.get(0).address();
        SocketConnection first;
        try (Lease<SocketConnection> lease = pool.borrow(server)) {
            first = lease.connection();
        }
        try (Lease<SocketConnection> again = pool.borrow(server);
             Lease<SocketConnection> second = pool.borrow(server)) {
            assertThat(again.connection()).isSameAs(first);
            assertThat(second.connection()).isNotSameAs(first);
            // Both connections are out: the parked one counts against max-active like any other.
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> pool.borrow(server)))
                    .isInstanceOf(PoolTimeoutException.class);
        }
        assertThat(factory.created.get()).isEqualTo(2);
    }

    @Test
    void ejectionClosesParkedConnectionsAtOnce() {
        MultiPool<SocketConnection> pool = track(builder(2).build());
        ServerAddress victim = servers.get(0).address();
        try (Lease<SocketConnection> a = pool.borrow(victim); Lease<SocketConnection> b = pool.borrow(victim)) {
            assertThat(a.connection()).isNotSameAs(b.connection());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 2);

        assertThat(pool.eject(victim)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 0);
        ServerStats s = pool.stats().server(victim);
        assertThat(s.idle()).isZero();
        assertThat(s.destroyed()).isEqualTo(s.created());
    }

    @Test
    void removingTheServerClosesItsParkedConnections() {
        MultiPool<SocketConnection> pool = track(builder(2).build());
        ServerAddress gone = servers.get(1).address();
        pool.borrow(gone).close();
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(1).openConnections() == 1);

        assertThat(pool.removeServer(gone)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(1).openConnections() == 0);
        assertThat(pool.servers()).doesNotContain(gone);
    }

    @Test
    void idleTimeoutClosesParkedConnections() {
        MultiPool<SocketConnection> pool = track(builder(1).idleTimeout(Duration.ofMillis(150)).build());
        ServerAddress server = servers.get(0).address();
        pool.borrow(server).close();
        assertThat(pool.stats().server(server).idle()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 0);
        assertThat(pool.stats().server(server).idle()).isZero();
        assertThat(pool.stats().server(server).destroyed()).isEqualTo(1);
    }

    @Test
    void withMaxTotalRoomMovesToAnotherServerByClosingIdleOnes() {
        // commons-pool2 frees room for one server by closing idle connections of others, which it can only
        // do when they are not parked: with max-total nothing is parked.
        MultiPool<SocketConnection> pool = track(builder(2).maxTotal(2).maxWait(Duration.ofSeconds(2)).build());
        ServerAddress a = servers.get(0).address();
        ServerAddress b = servers.get(1).address();
        try (Lease<SocketConnection> one = pool.borrow(a); Lease<SocketConnection> two = pool.borrow(a)) {
            assertThat(one.connection()).isNotSameAs(two.connection());
        }
        assertThat(pool.stats().server(a).idle()).isEqualTo(2);

        try (Lease<SocketConnection> other = pool.borrow(b)) {
            assertThat(other.server()).isEqualTo(b);
        }
        assertThat(pool.stats().server(a).destroyed()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void returnsRacingWithEjectionReadmissionAndCloseLeakNothing() throws Exception {
        MultiPool<SocketConnection> pool = track(builder(2).maxActive(4).maxWait(Duration.ofSeconds(2))
                .ejection(1000, Duration.ofMillis(5), Duration.ofMillis(20), 50).build());
        ServerAddress target = servers.get(0).address();
        int threads = 4;
        ExecutorService executor = Executors.newFixedThreadPool(threads + 1);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(threads);
        try {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(executor.submit(() -> {
                    running.countDown();
                    int leases = 0;
                    while (!stop.get()) {
                        try (Lease<SocketConnection> lease = pool.borrow()) {
                            lease.connection();
                            leases++;
                        } catch (NoServerAvailableException | PoolTimeoutException | PoolClosedException e) {
                            // ejected meanwhile, or closed at the end: expected in this race
                        }
                    }
                    return leases;
                }));
            }
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            Future<?> operator = executor.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    pool.eject(target);
                    pool.readmit(target);
                }
            });
            operator.get(30, TimeUnit.SECONDS);
            pool.close(); // while the workers still borrow and return
            stop.set(true);
            int total = 0;
            for (Future<Integer> worker : workers) {
                total += worker.get(10, TimeUnit.SECONDS);
            }
            assertThat(total).isPositive();
        } finally {
            stop.set(true);
            executor.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> factory.live() == 0);
        for (ServerStats s : pool.stats().servers()) {
            assertThat(s.destroyed()).as("%s", s.server()).isEqualTo(s.created());
            assertThat(s.idle()).as("%s", s.server()).isZero();
        }
    }
}
