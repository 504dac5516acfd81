package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Idle connections' upkeep: driven by a fake clock and direct calls of {@code maintain(now)} (no thread),
 * and safe against a server's removal while it looks at a connection.
 */
class IdleMaintenanceTest {

    private static final ServerRegistry.Actions NO_ACTIONS = new ServerRegistry.Actions() {
        @Override
        public void ejected(ServerRegistry registry, ServerEntry entry, long nanos) {
        }

        @Override
        public void probing(ServerRegistry registry, ServerEntry entry) {
        }

        @Override
        public void usable(ServerRegistry registry, ServerEntry entry) {
        }

        @Override
        public void draining(ServerRegistry registry, ServerEntry entry) {
        }
    };

    private final FakeClock clock = new FakeClock();
    private final List<TestServer> servers = new ArrayList<>();
    private CountingFactory<SocketConnection> counting;
    private ConnectionEngine<SocketConnection> engine;
    private MultiPool<SocketConnection> pool;

    @BeforeEach
    void setUp() throws IOException {
        servers.add(TestServer.start());
        servers.add(TestServer.start());
        counting = CountingFactory.sockets();
    }

    @AfterEach
    void tearDown() {
        if (engine != null) {
            engine.close();
        }
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::close);
        assertThat(counting.errors).isEmpty();
        assertThat(counting.live()).as("connections left open after close").isZero();
    }

    private ServerAddress a() {
        return servers.get(0).address();
    }

    private ServerEntry engineWith(MultiPool.Builder<SocketConnection> builder) {
        PoolSettings settings = builder.settings();
        Listeners listeners = new Listeners(settings.name(), List.of());
        PoolErrors errors = new PoolErrors(settings.name());
        ServerMembers members = new ServerMembers();
        engine = new ConnectionEngine<>(settings, errors, counting, members, listeners, clock);
        ServerRegistry registry = new ServerRegistry(settings, errors, clock, listeners, members, NO_ACTIONS);
        registry.add(a());
        return registry.get(a());
    }

    private MultiPool.Builder<SocketConnection> builder() {
        return MultiPool.builder(counting).name("maintenance").servers(List.of(a())).maxActive(4)
                .housekeepingInterval(Duration.ofSeconds(5));
    }

    @Test
    void idleTimeoutFollowsTheInjectedClock() {
        ServerEntry entry = engineWith(builder().idleTimeout(Duration.ofSeconds(30)));
        PooledConnection<SocketConnection> one = engine.borrow(entry, false);
        PooledConnection<SocketConnection> two = engine.borrow(entry, false);
        engine.release(one);
        engine.release(two);

        assertThat(engine.maintain(clock.nanoTime())).isEqualTo(Duration.ofSeconds(5).toNanos());
        clock.advance(Duration.ofSeconds(29));
        engine.maintain(clock.nanoTime());
        assertThat(engine.idle(entry)).isEqualTo(2);

        clock.advance(Duration.ofSeconds(2));
        engine.maintain(clock.nanoTime());

        assertThat(engine.idle(entry)).isZero();
        assertThat(counting.destroyed.get()).isEqualTo(2);
    }

    @Test
    void maintenanceIsDueWhenTheFirstIdleConnectionTimesOut() {
        ServerEntry entry = engineWith(builder().idleTimeout(Duration.ofSeconds(2)));
        engine.release(engine.borrow(entry, false));

        long delay = engine.maintain(clock.nanoTime());

        assertThat(delay).isEqualTo(Duration.ofSeconds(2).toNanos());
    }

    @Test
    void idleTimeoutKeepsMinIdle() {
        ServerEntry entry = engineWith(builder().idleTimeout(Duration.ofSeconds(30)).minIdle(1));
        PooledConnection<SocketConnection> one = engine.borrow(entry, false);
        PooledConnection<SocketConnection> two = engine.borrow(entry, false);
        engine.release(one);
        engine.release(two);
        engine.maintain(clock.nanoTime());

        clock.advance(Duration.ofMinutes(1));
        engine.maintain(clock.nanoTime());

        assertThat(engine.idle(entry)).isEqualTo(1);
    }

    @Test
    void maxLifetimeFollowsTheInjectedClock() {
        ServerEntry entry = engineWith(builder().maxLifetime(Duration.ofMinutes(10)));
        PooledConnection<SocketConnection> first = engine.borrow(entry, false);
        engine.release(first);

        clock.advance(Duration.ofMinutes(10));
        engine.maintain(clock.nanoTime());

        assertThat(engine.idle(entry)).isZero();
        assertThat(first.destroyed).isTrue();
        PooledConnection<SocketConnection> next = engine.borrow(entry, false);
        assertThat(next).isNotSameAs(first);
        engine.release(next);
    }

    @Test
    void anExpiredParkedConnectionIsNotLentEvenBeforeMaintenance() {
        ServerEntry entry = engineWith(builder().maxLifetime(Duration.ofMinutes(10)));
        PooledConnection<SocketConnection> first = engine.borrow(entry, false);
        engine.release(first);
        clock.advance(Duration.ofMinutes(10));

        PooledConnection<SocketConnection> next = engine.borrow(entry, false);

        assertThat(next).isNotSameAs(first);
        assertThat(first.destroyed).isTrue();
        engine.release(next);
    }

    @Test
    void aProbingServersTrialConnectsInsteadOfUsingAParkedConnection() {
        ServerEntry entry = engineWith(builder());
        engine.release(engine.borrow(entry, false)); // parked while the server was active
        entry.state(ServerState.PROBING);     // as after an ejection whose close of idle connections it raced
        int created = counting.created.get();

        engine.borrowProveAndReturn(entry);

        assertThat(counting.created.get()).as("connections made by the trial").isEqualTo(created + 1);
    }

    @Test
    void removingAServerWhileMaintenanceValidatesItsIdleConnectionDestroysItOnce() throws Exception {
        CountDownLatch validating = new CountDownLatch(1);
        CountDownLatch finishValidate = new CountDownLatch(1);
        AtomicBoolean slowValidate = new AtomicBoolean();
        pool = MultiPool.builder(new ForwardingFactory<>(counting) {
            @Override
            public boolean validate(ServerAddress address, SocketConnection connection) {
                if (slowValidate.compareAndSet(true, false)) {
                    validating.countDown();
                    try {
                        finishValidate.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.validate(address, connection);
            }
        }).name("maintenance-race").servers(List.of(a(), servers.get(1).address())).maxActive(2)
                .validateOnBorrow(false).validateWhileIdle(true).maxWait(Duration.ofMillis(300)).retryAttempts(1)
                .housekeepingInterval(Duration.ofMillis(20)).shutdownTimeout(Duration.ofSeconds(1))
                .slowStartWindow(Duration.ZERO).build(); // the server added back opens both connections at once
        slowValidate.set(true);
        pool.borrow(a()).close(); // idle: the next maintenance validates it
        assertThat(validating.await(10, TimeUnit.SECONDS)).isTrue();

        pool.removeServer(a()); // closes a()'s idle connections, while the one under validation is looked at
        finishValidate.countDown();
        pool.addServer(a());

        List<Lease<SocketConnection>> leases = new ArrayList<>();
        try {
            leases.add(pool.borrow(a()));
            leases.add(pool.borrow(a()));
            assertThatThrownBy(() -> leases.add(pool.borrow(a()))).as("a third lease with max-active 2")
                    .isInstanceOf(PoolTimeoutException.class);
        } finally {
            leases.forEach(Lease::close);
        }
        pool.close();
        assertThat(counting.live()).isZero();
        assertThat(counting.destroyed.get()).isEqualTo(counting.created.get());
    }

    @Test
    void anErrorDuringMaintenanceDoesNotEndIt() {
        java.util.concurrent.atomic.AtomicInteger validations = new java.util.concurrent.atomic.AtomicInteger();
        pool = MultiPool.builder(new ForwardingFactory<>(counting) {
            @Override
            public boolean validate(ServerAddress address, SocketConnection connection) {
                if (validations.incrementAndGet() == 1) {
                    throw new AssertionError("validate failed hard");
                }
                return super.validate(address, connection);
            }
        }).name("maintenance-error").servers(List.of(a())).maxActive(2).validateOnBorrow(false)
                .validateWhileIdle(true).housekeepingInterval(Duration.ofMillis(20)).build();
        pool.borrow(a()).close(); // its first validation throws; the connection goes, maintenance goes on
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> pool.stats().server(a()).destroyed() == 1);
        pool.borrow(a()).close();

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> validations.get() >= 3);
        // maintenance takes the connection off the idle stack while it validates it: wait for a moment between runs
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> pool.stats().server(a()).idle() == 1);
        assertThat(pool.stats().server(a()).destroyed()).as("only the connection whose validation threw").isEqualTo(1);
    }
}
