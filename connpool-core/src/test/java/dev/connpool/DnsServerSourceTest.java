package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The DNS source over real servers on loopback addresses sharing a port, with a scripted resolver and the
 * system clock: a new address gets traffic within the interval and a second, a removed one is drained after
 * the removal delay and gets no request after it, a failing or empty resolution keeps the last list, an
 * ejection resolves early (at most once a second).
 */
class DnsServerSourceTest {

    private static final Duration INTERVAL = Duration.ofMillis(500);

    private final DnsFixture dns = new DnsFixture();
    private final List<ServerAddress> drained = new CopyOnWriteArrayList<>();
    private final MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder()
                    .connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ofSeconds(2)).build())
            .name("dns").retryAttempts(3).listener(new PoolListener() {
                @Override
                public void serverRemoved(String pool, ServerAddress server) {
                    drained.add(server);
                }
            }).build();
    private DnsServerSource source;

    @AfterEach
    void closeEverything() {
        if (source != null) {
            source.close();
        }
        pool.close();
        dns.close();
    }

    private DnsServerSource start(Duration interval, Duration removalDelay) {
        source = DnsServerSource.builder(pool, DnsFixture.NAME).port(dns.port()).refreshInterval(interval)
                .removalDelay(removalDelay).resolver(dns.resolver).build();
        source.start();
        return source;
    }

    private void call(int times) {
        for (int i = 0; i < times; i++) {
            assertThat(pool.<String>execute(c -> Lines.roundTrip(c, "PING"))).isEqualTo("PONG");
        }
    }

    @Test
    void aNewAddressGetsTrafficWithinTheIntervalAndASecond() throws Exception {
        List<TestServer> servers = dns.start(2, 3);
        dns.resolver.answer(servers.subList(0, 2));
        start(INTERVAL, Duration.ofSeconds(60));
        assertThat(pool.servers()).as("resolved by start()")
                .containsExactlyInAnyOrder(servers.get(0).address(), servers.get(1).address());
        assertThat(dns.resolver.names).allMatch(DnsFixture.NAME::equals);

        TestServer added = servers.get(2);
        long answered = System.nanoTime();
        dns.resolver.answer(servers);
        await().atMost(INTERVAL.plusSeconds(1)).pollInterval(Duration.ofMillis(5)).until(() -> {
            call(3);
            return added.requests() > 0;
        });
        Duration took = Duration.ofNanos(System.nanoTime() - answered);
        assertThat(took).isLessThan(INTERVAL.plusSeconds(1));
        ServerSourceState state = source.state();
        assertThat(state.kind()).isEqualTo("dns");
        assertThat(state.target()).isEqualTo(DnsFixture.NAME + ":" + dns.port());
        assertThat(state.connected()).isTrue();
        assertThat(state.servers()).hasSize(3);
    }

    @Test
    void aRemovedAddressIsDrainedAfterTheRemovalDelayAndGetsNoRequestAfterIt() throws Exception {
        List<TestServer> servers = dns.start(2, 3);
        TestServer leaving = servers.get(2);
        dns.resolver.answer(servers);
        Duration delay = Duration.ofSeconds(2);
        start(Duration.ofMillis(100), delay);
        call(30);
        assertThat(leaving.requests()).isPositive();

        long removed = System.nanoTime();
        dns.resolver.answer(servers.subList(0, 2));
        await().atMost(Duration.ofSeconds(2)).until(() -> source.state().removing().contains(leaving.address()));
        assertThat(pool.servers()).as("kept for the removal delay").contains(leaving.address());
        await().atMost(delay.plusSeconds(2)).pollInterval(Duration.ofMillis(5))
                .until(() -> drained.contains(leaving.address()));
        assertThat(Duration.ofNanos(System.nanoTime() - removed)).as("not before the delay").isGreaterThanOrEqualTo(delay);
        int before = leaving.requests(); // calls are made one at a time: none is under way
        call(100);
        assertThat(leaving.requests()).isEqualTo(before);
        assertThat(source.state().removing()).isEmpty();
        assertThat(drained).containsExactly(leaving.address());
    }

    @Test
    void aFailingResolverKeepsTheLastListAndSaysSoUntilItAnswersAgain() throws Exception {
        List<TestServer> servers = dns.start(2, 2);
        dns.resolver.answer(servers);
        start(Duration.ofMillis(50), Duration.ZERO); // even with no removal delay
        Set<ServerAddress> resolved = pool.servers();
        assertThat(resolved).hasSize(2);

        dns.resolver.fail(new UnknownHostException(DnsFixture.NAME + ": Temporary failure in name resolution"));
        int failedSoFar = dns.resolver.resolutions.get();
        await().atMost(Duration.ofSeconds(2)).until(() -> !source.state().connected()
                && dns.resolver.resolutions.get() > failedSoFar + 3);
        ServerSourceState away = source.state();
        assertThat(away.lastError()).contains("Temporary failure").contains("keeps the last known servers");
        assertThat(away.servers()).isEqualTo(resolved);
        assertThat(pool.servers()).isEqualTo(resolved);
        call(20);

        dns.resolver.answer(servers.subList(0, 1));
        await().atMost(Duration.ofSeconds(2)).until(() -> source.state().connected());
        assertThat(source.state().lastError()).isNull();
    }

    @Test
    void anEmptyAnswerIsAnOutageNotAnEmptyPool() throws Exception {
        List<TestServer> servers = dns.start(2, 2);
        dns.resolver.answer(servers);
        start(Duration.ofMillis(50), Duration.ZERO);
        dns.resolver.answer(List.of()); // NOERROR with no record, or a headless Service scaled to zero
        int before = dns.resolver.resolutions.get();
        await().atMost(Duration.ofSeconds(2)).until(() -> dns.resolver.resolutions.get() > before + 3);
        assertThat(source.state().connected()).isFalse();
        assertThat(source.state().lastError()).contains("no address");
        assertThat(pool.servers()).hasSize(2);
        assertThat(drained).isEmpty();
        call(10);
    }

    @Test
    void anEjectionResolvesEarlyAtMostOnceASecond() throws Exception {
        List<TestServer> servers = dns.start(2, 4);
        dns.resolver.answer(servers.subList(0, 3));
        start(Duration.ofHours(1), Duration.ofSeconds(60)); // the interval would not come in this test
        int afterStart = dns.resolver.resolutions.get();
        assertThat(afterStart).isEqualTo(1);

        TestServer scaledUp = servers.get(3);
        dns.resolver.answer(List.of(servers.get(0), servers.get(1), scaledUp)); // a pod replaced
        servers.get(2).stop();
        assertThat(pool.eject(servers.get(2).address())).isTrue(); // as its failures would
        assertThat(pool.eject(servers.get(1).address())).isTrue(); // a second one in the same second
        await().atMost(Duration.ofSeconds(3)).until(() -> pool.servers().contains(scaledUp.address()));
        // the stopped server fails its trials and is ejected again: more early resolutions, a second apart
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> {
            List<Long> at = dns.resolver.times;
            for (int i = 2; i < at.size(); i++) { // [0] is start's
                if (at.get(i) - at.get(i - 1) < DnsRefresher.EARLY_GAP_NANOS - 50_000_000L) {
                    return false;
                }
            }
            return true;
        });
        assertThat(dns.resolver.resolutions.get()).isGreaterThan(afterStart);
    }

    @Test
    void closingStopsResolvingAndLeavesThePoolItsServers() throws Exception {
        List<TestServer> servers = dns.start(2, 2);
        dns.resolver.answer(servers);
        start(Duration.ofMillis(20), Duration.ZERO);
        source.close();
        source.close();
        int after = dns.resolver.resolutions.get();
        dns.resolver.answer(servers.subList(0, 1));
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1))
                .until(() -> dns.resolver.resolutions.get() == after);
        assertThat(pool.servers()).hasSize(2);
        assertThatThrownBy(source::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badSettingsAreRefusedWithTheirKey() {
        assertRefused(() -> DnsServerSource.builder(pool, " ").port(80).build(), "discovery.dns.name");
        assertRefused(() -> DnsServerSource.builder(pool, "x").build(), "discovery.dns.port");
        assertRefused(() -> DnsServerSource.builder(pool, "x").port(65_536).build(), "discovery.dns.port");
        assertRefused(() -> DnsServerSource.builder(pool, "x").port(80).refreshInterval(Duration.ZERO).build(),
                "discovery.dns.refresh-interval");
        assertRefused(() -> DnsServerSource.builder(pool, "x").port(80).removalDelay(Duration.ofSeconds(-1)).build(),
                "discovery.dns.removal-delay");
    }

    private static void assertRefused(Runnable build, String setting) {
        assertThatThrownBy(build::run).isInstanceOfSatisfying(InvalidSettingException.class, e -> {
            assertThat(e.setting()).isEqualTo(setting);
            assertThat(e.pool()).isEqualTo("dns");
        });
    }
}
