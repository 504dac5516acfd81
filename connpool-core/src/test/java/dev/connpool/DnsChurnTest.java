package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DNS answers that each carry a random 8 of 50 addresses (a DNS server capping its answers, as in
 * envoyproxy/envoy#15457) close no connection: 50 real servers, each with a connection kept open
 * ({@code min-idle 1}) and used, through 60 resolutions 1 s apart on a clock moved by hand, with a 5 s removal
 * delay: a minute of a source resolving every second, in as long as 60 scripted answers take. A removal
 * delay alone would have drained dozens of servers (the test counts how many it would have). When the
 * record set really shrinks, the addresses gone are still drained.
 */
class DnsChurnTest {

    private static final int FLEET = 50;
    private static final int ANSWER = 8;
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration DELAY = Duration.ofSeconds(5);

    private final DnsFixture dns = new DnsFixture();
    private final ManualSourceClock clock = new ManualSourceClock();
    private final Random random = new Random(15);
    private final List<ServerAddress> drained = new CopyOnWriteArrayList<>();
    private final AtomicInteger destroyed = new AtomicInteger();
    private MultiPool<SocketConnection> pool;
    private DnsServerSource source;

    @AfterEach
    void closeEverything() {
        if (source != null) {
            source.close();
        }
        if (pool != null) {
            pool.close();
        }
        dns.close();
    }

    private List<InetAddress> sample(List<TestServer> fleet) {
        List<TestServer> shuffled = new ArrayList<>(fleet);
        Collections.shuffle(shuffled, random);
        return shuffled.subList(0, ANSWER).stream().map(DnsFixture::address).toList();
    }

    /** Per address ever listed: how many answers in a row it has been missing from, as the source counts. */
    private final Map<InetAddress, Integer> missedInARow = new HashMap<>();

    /**
     * One resolution a refresh interval after the last.
     *
     * @return how many addresses this answer finds missing from as many answers as the removal delay spans:
     *         what a removal delay alone would drain now
     */
    private int resolveAfterAnInterval(List<InetAddress> answer) throws Exception {
        int dueByDelayAlone = 0;
        for (Map.Entry<InetAddress, Integer> known : missedInARow.entrySet()) {
            if (!answer.contains(known.getKey())) {
                known.setValue(known.getValue() + 1);
                if (known.getValue() == DELAY.dividedBy(INTERVAL)) {
                    dueByDelayAlone++;
                }
            }
        }
        answer.forEach(a -> missedInARow.put(a, 0));
        clock.advance(INTERVAL);
        dns.resolver.answerAddresses(answer);
        source.resolveNow();
        return dueByDelayAlone;
    }

    @Test
    void randomSamplesOfTheRecordSetCloseNoConnectionAndARealShrinkStillDrains() throws Exception {
        List<TestServer> fleet = dns.start(10, FLEET);
        pool = MultiPool.builder(SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .name("churn").minIdle(1).maxActive(2).listener(new PoolListener() {
                    @Override
                    public void serverRemoved(String pool, ServerAddress server) {
                        drained.add(server);
                    }

                    @Override
                    public void connectionDestroyed(String pool, ServerAddress server) {
                        destroyed.incrementAndGet();
                    }
                }).build();
        List<InetAddress> first = sample(fleet);
        first.forEach(address -> missedInARow.put(address, 0));
        dns.resolver.answerAddresses(first);
        source = DnsServerSource.builder(pool, DnsFixture.NAME).port(dns.port()).refreshInterval(Duration.ofHours(1))
                .removalDelay(DELAY).resolver(dns.resolver).clock(clock).build();
        source.start();

        int aDelayAloneWouldDrain = 0;
        for (int second = 1; second <= 60; second++) {
            aDelayAloneWouldDrain += resolveAfterAnInterval(sample(fleet));
            pool.<String>execute(c -> Lines.roundTrip(c, "PING"));
        }
        assertThat(aDelayAloneWouldDrain).as("the scenario is one that churns with a removal delay alone")
                .isGreaterThan(10);
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().servers().stream()
                .allMatch(s -> s.idle() + s.active() >= 1)); // every server has its connection
        for (ServerAddress server : pool.servers()) {
            assertThat(pool.<String>execute(server, c -> Lines.roundTrip(c, "PING"))).isEqualTo("PONG");
        }
        assertThat(pool.servers()).as("every address ever listed").hasSize(FLEET);
        assertThat(drained).as("servers drained by churn").isEmpty();
        assertThat(destroyed.get()).as("connections closed by churn").isZero();

        // the record set really shrinks to 40: the 10 gone are drained once missing from enough answers
        List<TestServer> staying = fleet.subList(0, 40);
        Set<ServerAddress> gone = Set.copyOf(fleet.subList(40, FLEET).stream().map(TestServer::address).toList());
        for (int resolutions = 0; pool.servers().stream().anyMatch(gone::contains) && resolutions < 300; resolutions++) {
            int drainedBefore = drained.size();
            resolveAfterAnInterval(sample(staying));
            for (ServerAddress server : drained.subList(drainedBefore, drained.size())) {
                // 8 of 50 known: 80 answers; fewer as the known set shrinks, 62 at 8 of 40
                assertThat(missedInARow.get(InetAddress.getByName(server.host())))
                        .as("answers %s was missing from when drained", server)
                        .isGreaterThanOrEqualTo(drainedBefore == 0 ? 80 : 62);
            }
        }
        assertThat(pool.servers()).hasSize(40).doesNotContainAnyElementsOf(gone);
        assertThat(drained).containsExactlyInAnyOrderElementsOf(gone);
    }
}
