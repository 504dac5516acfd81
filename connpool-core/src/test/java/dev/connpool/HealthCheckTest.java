package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.connpool.ServerStateChange.Origin;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Active health checking ({@code health-check.interval}) over real sockets: an idle server that dies is
 * ejected within one interval (plus the connect, which a refused one makes at once), a pool whose servers
 * all refuse is not usable within that time, servers come back without traffic, and 0 turns it off. Most
 * tests drive the pool's housekeeping by hand on a fake clock; one runs on the pool's own thread.
 */
class HealthCheckTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final List<TestServer> servers = new ArrayList<>();
    private final FakeClock clock = new FakeClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private MultiPool<SocketConnection> pool;
    /** Connections opened per server, counted as the pool opens them (a server counts its accepts late). */
    private final Map<ServerAddress, AtomicInteger> connects = new ConcurrentHashMap<>();
    private final PoolListener counting = new PoolListener() {
        @Override
        public void connectionCreated(String p, ServerAddress server) {
            connects.computeIfAbsent(server, s -> new AtomicInteger()).incrementAndGet();
        }
    };

    private int connects(TestServer server) {
        AtomicInteger count = connects.get(server.address());
        return count == null ? 0 : count.get();
    }

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestServer::stop);
    }

    private MultiPool<SocketConnection> pool(int serverCount, Duration interval) throws IOException {
        for (int i = 0; i < serverCount; i++) {
            servers.add(TestServer.start());
        }
        pool = MultiPool.builder(SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .name("health").servers(servers.stream().map(TestServer::address).toList())
                .healthCheckInterval(interval).listener(counting).clock(clock).scheduler(scheduler).build();
        return pool;
    }

    /** Moves the fake clock by {@code d} and runs what is due. */
    private void after(Duration d) {
        clock.advance(d);
        scheduler.runDue();
    }

    private ServerStats stats(TestServer server) {
        return pool.stats(server.address());
    }

    @Test
    void anIdleServerThatDiesIsEjectedWithinOneInterval() throws IOException {
        pool(3, INTERVAL);
        after(INTERVAL); // every server probed once, all fine
        assertThat(pool.stats().servers()).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(ServerState.ACTIVE);
            assertThat(s.usable()).isTrue();
            assertThat(s.created()).as("one probe connection").isEqualTo(1);
            assertThat(s.destroyed()).as("closed at once").isEqualTo(1);
            assertThat(s.idle()).isZero();
        });

        TestServer dead = servers.get(1);
        dead.stop();
        after(INTERVAL);

        assertThat(stats(dead).state()).isEqualTo(ServerState.EJECTED);
        assertThat(stats(servers.get(0)).state()).isEqualTo(ServerState.ACTIVE);
        assertThat(stats(servers.get(2)).state()).isEqualTo(ServerState.ACTIVE);
        ServerStateChange why = stats(dead).history().get(0);
        assertThat(why.from()).isEqualTo(ServerState.ACTIVE);
        assertThat(why.to()).isEqualTo(ServerState.EJECTED);
        assertThat(why.origin()).isEqualTo(Origin.PROBE);
        assertThat(why.reason()).isEqualTo("probe failed");
        assertThat(why.kind()).isEqualTo(FailureKind.SERVER);
        assertThat(why.exception()).isEqualTo("java.net.ConnectException");
        assertThat(why.message()).isNotBlank();
    }

    @Test
    void aPoolWhoseServersAllRefuseIsNotUsableWithinOneIntervalAndComesBackWithoutTraffic() throws IOException {
        pool(2, INTERVAL);
        after(INTERVAL);
        assertThat(pool.stats().usableServers()).isEqualTo(2);

        servers.forEach(TestServer::stop);
        after(INTERVAL);

        assertThat(pool.stats().usableServers()).as("every server refuses: none usable").isZero();
        assertThat(pool.stats().servers()).allSatisfy(s -> assertThat(s.usable()).isFalse());

        servers.forEach(TestServer::restartQuietly);
        after(INTERVAL); // the probing one's probe is its trial; the ejected one's ejection (1 s) ends with a trial
        // Their trials connect, which proves nothing without a round-trip probe: a caller's lease would be the
        // trial; none comes, so the pool re-admits them ejection.base-time later.
        after(pool.settings().ejection().baseTime());
        assertThat(pool.stats().usableServers()).isEqualTo(2);
        assertThat(pool.stats().servers()).allSatisfy(s -> assertThat(s.state()).isEqualTo(ServerState.ACTIVE));
    }

    @Test
    void aLoneServerThatRefusesIsFailingNotEjectedAndAPassedProbeMakesItUsableAgain() throws IOException {
        pool(1, INTERVAL);
        TestServer only = servers.get(0);
        only.stop();
        after(INTERVAL);

        ServerStats failing = stats(only);
        assertThat(failing.state()).as("never all ejected").isEqualTo(ServerState.ACTIVE);
        assertThat(failing.usable()).isFalse();
        assertThat(failing.failures()).isEqualTo(pool.settings().ejection().consecutiveFailures());
        ServerStateChange why = failing.history().get(0);
        assertThat(why.from()).isEqualTo(ServerState.ACTIVE);
        assertThat(why.to()).isEqualTo(ServerState.ACTIVE);
        assertThat(why.reason()).isEqualTo("probe failed");
        assertThat(why.exception()).isEqualTo("java.net.ConnectException");

        after(INTERVAL);
        assertThat(stats(only).history()).as("failing again is no new change").hasSize(2);

        only.restartQuietly();
        after(INTERVAL);
        ServerStats back = stats(only);
        assertThat(back.usable()).isTrue();
        assertThat(back.failures()).isZero();
        assertThat(back.history().get(0).reason()).isEqualTo("probe passed");
        assertThat(back.history().get(0).origin()).isEqualTo(Origin.PROBE);
    }

    @Test
    void aFailedProbeEjectsNoMoreThanMaxPercent() throws IOException {
        pool(4, INTERVAL);
        servers.get(0).stop();
        servers.get(1).stop();
        servers.get(2).stop();
        after(INTERVAL);

        PoolStats stats = pool.stats();
        assertThat(stats.servers()).filteredOn(s -> s.state() == ServerState.EJECTED).hasSize(2); // 50% of 4
        assertThat(stats.usableServers()).isEqualTo(1);
        assertThat(stats(servers.get(3)).usable()).isTrue();
    }

    @Test
    void eachServerIsProbedOncePerIntervalAtMostAndNeverLate() throws IOException {
        pool(3, INTERVAL);
        for (int i = 0; i < 20; i++) {
            after(INTERVAL);
        }
        // the first within 50-100% of the interval, then every 80-100%: 20 to 26 probes in 20 intervals
        assertThat(servers).allSatisfy(s -> assertThat(connects(s)).isBetween(20, 26));
        assertThat(pool.stats().servers()).allSatisfy(s -> {
            assertThat(s.created()).isEqualTo(s.destroyed());
            assertThat(s.borrowed()).as("a probe is no lease").isZero();
        });
    }

    @Test
    void zeroTurnsItOff() throws IOException {
        pool(2, Duration.ZERO);
        servers.get(0).stop();
        after(INTERVAL.multipliedBy(10));

        assertThat(stats(servers.get(0)).state()).isEqualTo(ServerState.ACTIVE);
        assertThat(stats(servers.get(0)).usable()).as("passive health: nothing found out").isTrue();
        assertThat(connects(servers.get(1))).isZero();
    }

    @Test
    void aFullServerIsNotProbedItsTrafficJudgesIt() throws IOException {
        for (int i = 0; i < 2; i++) {
            servers.add(TestServer.start());
        }
        pool = MultiPool.builder(SocketConnectionFactory.builder().build()).name("full")
                .servers(servers.stream().map(TestServer::address).toList()).maxActive(1)
                .healthCheckInterval(INTERVAL).listener(counting).clock(clock).scheduler(scheduler).build();
        try (Lease<SocketConnection> lease = pool.borrow(servers.get(0).address())) {
            after(INTERVAL);
            assertThat(connects(servers.get(0))).as("the lease's connection only").isEqualTo(1);
            assertThat(connects(servers.get(1))).isEqualTo(1);
            assertThat(lease.connection()).isNotNull();
        }
    }

    @Test
    void aRemovedServerIsNoLongerProbed() throws IOException {
        pool(2, INTERVAL);
        after(INTERVAL);
        TestServer removed = servers.get(0);
        pool.removeServer(removed.address());
        assertThat(connects(removed)).isEqualTo(1);
        for (int i = 0; i < 3; i++) {
            after(INTERVAL);
        }

        assertThat(connects(removed)).as("no probe since").isEqualTo(1);
        assertThat(pool.stats(removed.address())).as("drained and forgotten").isNull();
        assertThat(connects(servers.get(1))).isGreaterThanOrEqualTo(3);
    }

    @Test
    void theSettingIsCheckedAndReported() {
        MultiPool.Builder<SocketConnection> builder = MultiPool.builder(SocketConnectionFactory.builder().build());
        assertThat(builder.settings().healthCheck().interval()).as("default").isEqualTo(INTERVAL);
        assertThat(builder.settings().healthCheck().enabled()).isTrue();
        assertThat(builder.settings().toMap()).containsEntry("health-check", java.util.Map.of("interval", INTERVAL));
        assertThat(builder.healthCheckInterval(Duration.ZERO).settings().healthCheck().enabled()).isFalse();
        assertThatThrownBy(() -> builder.healthCheckInterval(Duration.ofSeconds(-1)).settings())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.setting()).isEqualTo("health-check.interval"));
        assertThatThrownBy(() -> builder.healthCheckInterval(Duration.ofMillis(1)).settings())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.reason()).contains("0 (off) or at least 10 ms"));
        assertThatThrownBy(() -> builder.healthCheckInterval(null).settings())
                .isInstanceOf(InvalidSettingException.class);
    }

    @Test
    void onThePoolsOwnThreadADeadServerIsEjectedWithinTheIntervalPlusTheConnectTimeout() throws IOException {
        for (int i = 0; i < 3; i++) {
            servers.add(TestServer.start());
        }
        Duration interval = Duration.ofMillis(300);
        Duration connectTimeout = Duration.ofMillis(500);
        AtomicInteger ejected = new AtomicInteger();
        pool = MultiPool.builder(SocketConnectionFactory.builder().connectTimeout(connectTimeout).build())
                .name("health-thread").servers(servers.stream().map(TestServer::address).toList())
                .healthCheckInterval(interval)
                .listener(new PoolListener() {
                    @Override
                    public void serverEjected(String p, ServerAddress server, Duration duration, Throwable lastFailure) {
                        ejected.incrementAndGet();
                    }
                }).build();
        TestServer dead = servers.get(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats(dead.address()).created() > 0); // probed alive
        long stopped = System.nanoTime();
        dead.stop();

        await().atMost(interval.plus(connectTimeout).plusSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> pool.stats(dead.address()).state() == ServerState.EJECTED);
        Duration took = Duration.ofNanos(System.nanoTime() - stopped);
        assertThat(took).isLessThanOrEqualTo(interval.plus(connectTimeout).plusMillis(500));
        // Listeners hear of an ejection just after the state changed: wait for the one call.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(ejected).hasValue(1));
        assertThat(pool.stats().usableServers()).isEqualTo(2);
    }

    @Test
    void onThePoolsOwnThreadAHungProbeHoldsUpNeitherTheOtherServersProbesNorMaintenance() throws Exception {
        for (int i = 0; i < 3; i++) {
            servers.add(TestServer.start());
        }
        ServerAddress hung = servers.get(0).address();
        TestServer dead = servers.get(2);
        Duration interval = Duration.ofMillis(300);
        Duration connectTimeout = Duration.ofMillis(500);
        CountDownLatch hanging = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean hang = new AtomicBoolean();
        ConnectionFactory<SocketConnection> factory = new ForwardingFactory<>(
                SocketConnectionFactory.builder().connectTimeout(connectTimeout).build()) {
            @Override
            public SocketConnection create(ServerAddress server) throws Exception {
                if (server.equals(hung) && hang.get()) {
                    hanging.countDown();
                    release.await(); // a connect that never ends (until the test lets it go)
                }
                return super.create(server);
            }
        };
        pool = MultiPool.builder(factory).name("health-hung").servers(servers.stream().map(TestServer::address).toList())
                .healthCheckInterval(interval).build();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.stats(dead.address()).created() > 0); // probed alive
            hang.set(true);
            assertThat(hanging.await(5, TimeUnit.SECONDS)).as("the hung server's probe started").isTrue();
            long stopped = System.nanoTime();
            dead.stop();

            await().atMost(interval.plus(connectTimeout).plusSeconds(1)).pollInterval(Duration.ofMillis(10))
                    .until(() -> pool.stats(dead.address()).state() == ServerState.EJECTED);
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThanOrEqualTo(interval.plus(connectTimeout).plusMillis(500));
            assertThat(pool.stats(hung).state()).isEqualTo(ServerState.ACTIVE); // its probe is still under way
        } finally {
            release.countDown();
        }
    }
}
