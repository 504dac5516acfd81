package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Borrowing, limits, idle handling and closing, over real loopback sockets. */
class MultiPoolTest {

    private final List<TestServer> servers = new ArrayList<>();
    private final List<MultiPool<?>> pools = new ArrayList<>();
    private CountingFactory<SocketConnection> factory;

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 3; i++) {
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
    }

    private MultiPool.Builder<SocketConnection> builder(int serverCount) {
        List<ServerAddress> addresses = servers.subList(0, serverCount).stream().map(TestServer::address).toList();
        return MultiPool.builder(factory).name("test").servers(addresses).shutdownTimeout(Duration.ofSeconds(2));
    }

    private <C> MultiPool<C> track(MultiPool<C> pool) {
        pools.add(pool);
        return pool;
    }

    private MultiPool<SocketConnection> pool(int serverCount) {
        return track(builder(serverCount).build());
    }

    private static ServerStats stats(MultiPool<?> pool, TestServer server) {
        return pool.stats().server(server.address());
    }

    @Test
    void borrowedConnectionIsReturnedAndReused() throws Exception {
        MultiPool<SocketConnection> pool = pool(1);
        SocketConnection first;
        try (Lease<SocketConnection> lease = pool.borrow()) {
            first = lease.connection();
            assertThat(lease.server()).isEqualTo(servers.get(0).address());
            assertThat(Lines.roundTrip(first, "PING")).isEqualTo("PONG");
            assertThat(stats(pool, servers.get(0)).active()).isEqualTo(1);
        }
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.active()).isZero();
        assertThat(s.idle()).isEqualTo(1);
        try (Lease<SocketConnection> lease = pool.borrow()) {
            assertThat(lease.connection()).isSameAs(first);
        }
        assertThat(stats(pool, servers.get(0)).borrowed()).isEqualTo(2);
        assertThat(factory.created.get()).isEqualTo(1);
    }

    @Test
    void pinnedBorrowReachesOnlyThatServer() throws Exception {
        MultiPool<SocketConnection> pool = pool(3);
        TestServer target = servers.get(1);
        for (int i = 0; i < 20; i++) {
            try (Lease<SocketConnection> lease = pool.borrow(target.address())) {
                assertThat(lease.server()).isEqualTo(target.address());
                assertThat(Lines.roundTrip(lease.connection(), "x" + i)).isEqualTo("x" + i);
            }
        }
        assertThat(target.accepted()).isEqualTo(1);
        assertThat(servers.get(0).accepted() + servers.get(2).accepted()).isZero();
        ServerAddress stranger = ServerAddress.of("127.0.0.1", 1);
        assertThatThrownBy(() -> pool.borrow(stranger))
                .isInstanceOfSatisfying(NoServerAvailableException.class, e -> assertThat(e.server()).isEqualTo(stranger))
                .hasMessageContaining("127.0.0.1:1").hasMessageContaining("'test'");
    }

    @Test
    void borrowNewNeverHandsOutAnIdleConnection() throws Exception {
        MultiPool<SocketConnection> pool = pool(1);
        ServerAddress server = servers.get(0).address();
        SocketConnection idle;
        try (Lease<SocketConnection> lease = pool.borrow(server)) {
            idle = lease.connection();
        }
        try (Lease<SocketConnection> lease = pool.borrowNew(server)) {
            assertThat(lease.connection()).isNotSameAs(idle);
            assertThat(Lines.roundTrip(lease.connection(), "new")).isEqualTo("new");
        }
        assertThat(factory.created.get()).isEqualTo(2);
        assertThat(stats(pool, servers.get(0)).idle()).as("the idle one was kept").isEqualTo(2);
    }

    @Test
    void borrowNewMakesRoomWhenTheServerIsFullOfIdleConnections() throws Exception {
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(2).maxIdle(2).build());
        ServerAddress server = servers.get(0).address();
        Lease<SocketConnection> a = pool.borrow(server);
        Lease<SocketConnection> b = pool.borrow(server);
        Set<SocketConnection> old = Set.of(a.connection(), b.connection());
        a.close();
        b.close();
        try (Lease<SocketConnection> lease = pool.borrowNew(server)) {
            assertThat(old).doesNotContain(lease.connection());
        }
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.created() - s.destroyed()).isEqualTo(s.active() + s.idle()).isLessThanOrEqualTo(2);
    }

    @Test
    void invalidateDestroysTheConnectionAndChargesTheServer() throws Exception {
        MultiPool<SocketConnection> pool = pool(1);
        Lease<SocketConnection> lease = pool.borrow();
        SocketConnection connection = lease.connection();
        lease.invalidate();
        lease.close(); // no-op after invalidate
        lease.invalidate(); // idempotent
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.failures()).isEqualTo(1);
        assertThat(s.destroyed()).isEqualTo(1);
        assertThat(s.idle()).isZero();
        assertThat(connection.socket().isClosed()).isTrue();
        try (Lease<SocketConnection> next = pool.borrow()) {
            assertThat(next.connection()).isNotSameAs(connection);
        }
        assertThat(stats(pool, servers.get(0)).failures()).as("a normal close ends the streak").isZero();
    }

    @Test
    void leaseIsHardToMisuse() throws Exception {
        MultiPool<SocketConnection> pool = pool(1);
        Lease<SocketConnection> lease = pool.borrow();
        lease.close();
        lease.close();
        assertThatThrownBy(lease::connection).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed").hasMessageContaining(servers.get(0).address().toString());
        lease.invalidate(); // after close: no-op, no failure charged
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.idle()).isEqualTo(1);
        assertThat(s.failures()).isZero();

        // A stale lease cannot close the connection once it is lent again.
        Lease<SocketConnection> again = pool.borrow();
        lease.close();
        assertThat(Lines.roundTrip(again.connection(), "still mine")).isEqualTo("still mine");
        assertThat(stats(pool, servers.get(0)).active()).isEqualTo(1);

        // Closing from another thread works.
        CompletableFuture.runAsync(again::close).get(5, TimeUnit.SECONDS);
        assertThat(stats(pool, servers.get(0)).active()).isZero();
    }

    @Test
    void fullServerMakesTheBorrowerWaitThenTimeOutNamingPoolServerAndWait() throws Exception {
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(2).maxIdle(2).maxWait(Duration.ofMillis(300)).build());
        ServerAddress server = servers.get(0).address();
        Lease<SocketConnection> a = pool.borrow(server);
        Lease<SocketConnection> b = pool.borrow(server);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.borrow(server))
                .isInstanceOfSatisfying(PoolTimeoutException.class, e -> {
                    assertThat(e.pool()).isEqualTo("test");
                    assertThat(e.server()).isEqualTo(server);
                    assertThat(e.waited()).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
                })
                .hasMessageContaining("'test'").hasMessageContaining(server.toString())
                .hasMessageContaining("max-wait 300 ms").hasMessageContaining("waited ")
                .hasMessageContaining("active 2").hasMessageContaining("max-active 2");
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waitedMs).isBetween(290L, 3_000L);

        // A waiting borrower gets the connection as soon as one comes back.
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<SocketConnection> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try (Lease<SocketConnection> lease = pool.borrow(server)) {
                return lease.connection();
            }
        });
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> stats(pool, servers.get(0)).waiting() == 1);
        SocketConnection handedOver = a.connection();
        a.close();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isSameAs(handedOver);
        b.close();
        assertThat(factory.created.get()).isEqualTo(2);
    }

    @Test
    void maxIdleClosesTheSurplusOnReturn() {
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(4).maxIdle(2).build());
        List<Lease<SocketConnection>> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(pool.borrow());
        }
        leases.forEach(Lease::close);
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.idle()).isEqualTo(2);
        assertThat(s.destroyed()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 2);
    }

    @Test
    void minIdleIsFilledAtStartOnEveryServer() {
        MultiPool<SocketConnection> pool = track(builder(3).minIdle(2).build());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (TestServer server : servers) {
                assertThat(stats(pool, server).idle()).isEqualTo(2);
                assertThat(server.openConnections()).isEqualTo(2);
            }
        });
    }

    @Test
    void idleConnectionsAreClosedAfterIdleTimeoutDownToMinIdle() {
        MultiPool<SocketConnection> pool = track(builder(1).minIdle(1).idleTimeout(Duration.ofMillis(200)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> stats(pool, servers.get(0)).idle() == 1); // prefilled
        List<Lease<SocketConnection>> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(pool.borrow());
        }
        leases.forEach(Lease::close);
        // 4 came back; the housekeeper may also have refilled min-idle while all 4 were out (a 5th)
        assertThat(stats(pool, servers.get(0)).idle()).isBetween(4, 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> stats(pool, servers.get(0)).idle() == 1);
        ServerStats after = stats(pool, servers.get(0));
        assertThat(after.destroyed()).isEqualTo(after.created() - 1).isGreaterThanOrEqualTo(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 1);
    }

    @Test
    void idleConnectionsAllGoWithoutMinIdle() {
        MultiPool<SocketConnection> pool = track(builder(2).idleTimeout(Duration.ofMillis(150)).build());
        pool.borrow(servers.get(0).address()).close();
        pool.borrow(servers.get(1).address()).close();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() + servers.get(1).openConnections() == 0);
    }

    @Test
    void maxLifetimeRetiresConnectionsWhenReturnedAndWhileIdle() {
        MultiPool<SocketConnection> pool = track(builder(1).maxLifetime(Duration.ofMillis(300))
                .idleTimeout(Duration.ofMinutes(10)).build());
        Lease<SocketConnection> held = pool.borrow();
        SocketConnection old = held.connection();
        pool.borrow().close(); // a second connection, idle
        await().atMost(Duration.ofSeconds(5)).until(() -> stats(pool, servers.get(0)).destroyed() == 1);
        assertThat(stats(pool, servers.get(0)).idle()).as("the evictor retired the idle one").isZero();
        held.close(); // older than max-lifetime: closed, not kept
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.destroyed()).isEqualTo(2);
        assertThat(s.idle()).isZero();
        assertThat(old.socket().isClosed()).isTrue();
        try (Lease<SocketConnection> fresh = pool.borrow()) {
            assertThat(fresh.connection()).isNotSameAs(old);
        }
    }

    @Test
    void retainIdleClosesTheSurplusAndOpensNothing() {
        MultiPool<SocketConnection> pool = track(builder(2).build());
        for (TestServer server : servers.subList(0, 2)) {
            List<Lease<SocketConnection>> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(pool.borrow(server.address()));
            }
            leases.forEach(Lease::close);
        }
        int created = factory.created.get();
        pool.retainIdle(1);
        assertThat(pool.stats().servers()).allSatisfy(s -> assertThat(s.idle()).isEqualTo(1));
        pool.retainIdle(5);
        assertThat(factory.created.get()).isEqualTo(created);
        assertThatThrownBy(() -> pool.retainIdle(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void serversCanBeAddedRemovedAndReplaced() throws Exception {
        MultiPool<SocketConnection> pool = pool(1);
        TestServer second = servers.get(1);
        pool.addServer(second.address());
        assertThat(pool.servers()).containsExactlyInAnyOrder(servers.get(0).address(), second.address());
        try (Lease<SocketConnection> lease = pool.borrow(second.address())) {
            assertThat(Lines.roundTrip(lease.connection(), "hi")).isEqualTo("hi");
        }

        Lease<SocketConnection> leased = pool.borrow(second.address());
        pool.borrow(second.address()).close(); // one idle
        assertThat(pool.removeServer(second.address())).isTrue();
        assertThat(pool.removeServer(second.address())).isFalse();
        assertThat(pool.servers()).containsExactly(servers.get(0).address());
        assertThat(stats(pool, second).state()).isEqualTo(ServerState.DRAINING);
        assertThat(stats(pool, second).idle()).as("idle closed at once").isZero();
        assertThatThrownBy(() -> pool.borrow(second.address())).isInstanceOf(NoServerAvailableException.class)
                .hasMessageContaining("being removed");
        assertThat(Lines.roundTrip(leased.connection(), "still works")).isEqualTo("still works");
        leased.close();
        assertThat(stats(pool, second)).as("forgotten once drained").isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> second.openConnections() == 0);

        pool.updateServers(List.of(servers.get(1).address(), servers.get(2).address()));
        assertThat(pool.servers()).containsExactlyInAnyOrder(servers.get(1).address(), servers.get(2).address());
        for (int i = 0; i < 10; i++) {
            pool.borrow().close();
        }
        assertThat(stats(pool, servers.get(0))).isNull();
    }

    @Test
    void borrowWithNoServerFailsClearly() {
        MultiPool<SocketConnection> pool = track(MultiPool.builder(factory).name("empty").build());
        assertThatThrownBy(pool::borrow).isInstanceOf(NoServerAvailableException.class)
                .hasMessageContaining("'empty'").hasMessageContaining("no servers");
    }

    @Test
    void factoryReturningNullOrThrowingLeaksNothing() {
        AtomicInteger calls = new AtomicInteger();
        ConnectionFactory<Object> broken = new ConnectionFactory<>() {
            @Override
            public Object create(ServerAddress server) throws IOException {
                if (calls.incrementAndGet() % 2 == 0) {
                    throw new IOException("boom");
                }
                return null;
            }

            @Override
            public void destroy(ServerAddress server, Object connection) {
                throw new AssertionError("nothing was created");
            }
        };
        MultiPool<Object> pool = track(MultiPool.builder(broken).name("broken")
                .servers(List.of(servers.get(0).address(), servers.get(1).address()))
                .retryAttempts(2).backoff(Duration.ZERO, Duration.ZERO, 1.0, 0.0)
                .ejection(100, Duration.ofSeconds(1), Duration.ofSeconds(1), 50).build());
        assertThatThrownBy(pool::borrow)
                .isInstanceOfSatisfying(ConnectFailedException.class, e -> {
                    assertThat(e.getSuppressed()).hasSize(1);
                    assertThat(e.server()).isNotNull();
                    assertThat(e.getSuppressed()[0]).isInstanceOf(ConnectFailedException.class);
                    assertThat(((PoolException) e.getSuppressed()[0]).server()).as("retried on the other server")
                            .isNotEqualTo(e.server());
                })
                .hasMessageContaining("'broken'");
        assertThat(calls.get()).isEqualTo(2);
        assertThat(pool.stats().servers()).allSatisfy(s -> {
            assertThat(s.created()).isZero();
            assertThat(s.destroyed()).isZero();
            assertThat(s.active()).isZero();
            assertThat(s.idle()).isZero();
            assertThat(s.failures()).isEqualTo(1);
        });
        assertThatThrownBy(() -> pool.borrow(servers.get(0).address()))
                .isInstanceOf(ConnectFailedException.class).hasMessageContaining(servers.get(0).address().toString());
    }

    @Test
    void newConnectionFailingValidationIsAConnectFailureAndIsDestroyed() {
        CountingFactory<SocketConnection> refusing = new CountingFactory<>(
                new ForwardingFactory<>(SocketConnectionFactory.builder().build()) {
                    @Override
                    public boolean validate(ServerAddress server, SocketConnection connection) {
                        return false;
                    }
                });
        MultiPool<SocketConnection> pool = track(MultiPool.builder(refusing).name("v")
                .servers(List.of(servers.get(0).address())).retryAttempts(1).build());
        assertThatThrownBy(pool::borrow).isInstanceOf(ConnectFailedException.class).hasMessageContaining("failed validation");
        ServerStats s = stats(pool, servers.get(0));
        assertThat(s.created()).isEqualTo(1);
        assertThat(s.destroyed()).isEqualTo(1);
        assertThat(s.failures()).isEqualTo(1);
        assertThat(refusing.created.get()).isEqualTo(refusing.destroyed.get());
        assertThat(refusing.errors).isEmpty();
    }

    @Test
    void listenersHearEventsAndOneThatThrowsBreaksNothing() {
        List<String> events = new CopyOnWriteArrayList<>();
        PoolListener recorder = new PoolListener() {
            @Override
            public void serverAdded(String pool, ServerAddress server) {
                events.add("added " + server);
            }

            @Override
            public void serverRemoved(String pool, ServerAddress server) {
                events.add("removed " + server);
            }

            @Override
            public void connectionCreated(String pool, ServerAddress server) {
                events.add("created " + server);
            }

            @Override
            public void connectionDestroyed(String pool, ServerAddress server) {
                events.add("destroyed " + server);
            }
        };
        PoolListener thrower = new PoolListener() {
            @Override
            public void serverAdded(String pool, ServerAddress server) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void connectionCreated(String pool, ServerAddress server) {
                throw new IllegalStateException("listener bug");
            }
        };
        MultiPool<SocketConnection> pool = track(builder(1).listener(thrower).listener(recorder).build());
        String s0 = servers.get(0).address().toString();
        pool.borrow().invalidate();
        pool.addListener(thrower);
        pool.removeServer(servers.get(0).address());
        assertThat(events).containsExactly("added " + s0, "created " + s0, "destroyed " + s0, "removed " + s0);
    }

    @Test
    void closeWaitsForLeasesThenClosesEverythingOnce() throws Exception {
        MultiPool<SocketConnection> pool = track(builder(3).minIdle(1).shutdownTimeout(Duration.ofSeconds(10)).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 3);
        Lease<SocketConnection> out = pool.borrow();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().idle() == 0);
        assertThat(closing).as("close waits for the lease").isNotDone();
        assertThatThrownBy(pool::borrow).isInstanceOf(PoolClosedException.class).hasMessageContaining("'test'");
        out.close();
        closing.get(5, TimeUnit.SECONDS);
        assertThat(factory.created.get()).isEqualTo(factory.destroyed.get());
        for (TestServer server : servers) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.openConnections() == 0);
        }
        assertThatThrownBy(() -> pool.addServer(servers.get(0).address())).isInstanceOf(PoolClosedException.class);
        assertThatThrownBy(() -> pool.execute(c -> 1)).isInstanceOf(PoolClosedException.class);
        pool.close(); // idempotent
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("connpool-test-"));
    }

    @Test
    void closeForcesLeasesThatDoNotComeBackWithinShutdownTimeout() throws Exception {
        MultiPool<SocketConnection> pool = track(builder(1).shutdownTimeout(Duration.ofMillis(200)).build());
        Lease<SocketConnection> forgotten = pool.borrow();
        long start = System.nanoTime();
        pool.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(150L, 3_000L);
        assertThat(factory.destroyed.get()).isEqualTo(1);
        assertThatThrownBy(forgotten::connection).isInstanceOf(IllegalStateException.class);
        forgotten.close(); // no-op, no second destroy
        forgotten.invalidate();
        assertThat(factory.destroyed.get()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 0);
    }

    @Test
    void closeReleasesWaitingBorrowersWithPoolClosedException() throws Exception {
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(1).maxWait(Duration.ofSeconds(30))
                .shutdownTimeout(Duration.ZERO).build());
        Lease<SocketConnection> held = pool.borrow();
        CompletableFuture<Lease<SocketConnection>> waiter = CompletableFuture.supplyAsync(pool::borrow);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats().waiting() == 1);
        pool.close();
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(PoolClosedException.class);
        held.close();
        assertThat(factory.created.get()).isEqualTo(factory.destroyed.get());
    }
    @Test
    void metricsHearEveryAcquisitionAndEveryTimeout() {
        List<String> heard = new CopyOnWriteArrayList<>();
        PoolMetrics metrics = new PoolMetrics() {
            @Override
            public void acquired(ServerAddress server, long nanos) {
                assertThat(nanos).isPositive();
                heard.add("acquired " + server);
            }

            @Override
            public void timedOut(ServerAddress server) {
                heard.add("timeout " + server);
            }
        };
        MultiPool<SocketConnection> pool = track(builder(1).maxActive(1).maxWait(Duration.ofMillis(50)).metrics(metrics).build());
        String s0 = servers.get(0).address().toString();
        Lease<SocketConnection> held = pool.borrow();
        assertThatThrownBy(pool::borrow).isInstanceOf(PoolTimeoutException.class);
        held.close();
        pool.execute(c -> Lines.roundTrip(c, "m"));
        assertThat(heard).containsExactly("acquired " + s0, "timeout " + s0, "acquired " + s0);
    }

    @Test
    void anOperatorCanEjectAndReadmitAServerButNeverTheLastOne() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        MultiPool<SocketConnection> pool = track(builder(2).listener(new PoolListener() {
            @Override
            public void serverEjected(String pool, ServerAddress server, Duration duration, Throwable lastFailure) {
                events.add("ejected " + server);
            }

            @Override
            public void serverReadmitted(String pool, ServerAddress server) {
                events.add("readmitted " + server);
            }
        }).build());
        ServerAddress a = servers.get(0).address();
        ServerAddress b = servers.get(1).address();
        pool.borrow(a).close();
        assertThat(pool.eject(a)).isTrue();
        assertThat(stats(pool, servers.get(0)).state()).isEqualTo(ServerState.EJECTED);
        // The ejected server's idle connections are closed by the housekeeping thread, just after the ejection.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(stats(pool, servers.get(0)).idle()).isZero());
        assertThat(pool.eject(a)).as("already out").isFalse();
        assertThat(pool.eject(b)).as("the last usable server stays").isFalse();
        for (int i = 0; i < 10; i++) {
            try (Lease<SocketConnection> lease = pool.borrow()) {
                assertThat(lease.server()).isEqualTo(b);
            }
        }
        assertThat(pool.readmit(a)).isTrue();
        assertThat(pool.readmit(a)).isFalse();
        assertThat(stats(pool, servers.get(0)).state()).isEqualTo(ServerState.ACTIVE);
        try (Lease<SocketConnection> lease = pool.borrow(a)) {
            assertThat(Lines.roundTrip(lease.connection(), "back")).isEqualTo("back");
        }
        assertThat(events).containsExactly("ejected " + a, "readmitted " + a);
        assertThatThrownBy(() -> pool.eject(ServerAddress.of("127.0.0.1", 1)))
                .isInstanceOf(NoServerAvailableException.class).hasMessageContaining("127.0.0.1:1");
    }

    @Test
    void settingsShowWhatThePoolRunsWith() {
        MultiPool<SocketConnection> pool = track(builder(2).maxActive(5).build());
        PoolSettings settings = pool.settings();
        assertThat(settings.name()).isEqualTo("test");
        assertThat(settings.limits().maxActive()).isEqualTo(5);
        assertThat(settings.limits().maxIdle()).isEqualTo(5);
        assertThat(settings.servers()).hasSize(2);
    }
}
