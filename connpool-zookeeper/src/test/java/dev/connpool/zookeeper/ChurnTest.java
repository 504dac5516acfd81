package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerStats;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;

/**
 * 200 servers register and leave at random from 4 threads while 16 threads borrow and make round trips;
 * afterwards the pool holds exactly what ZooKeeper holds and no connection is leaked.
 */
class ChurnTest {

    private static final String PATH = "/services/echo";
    private static final int SERVERS = 200;
    private static final int REGISTRARS = 4;
    private static final int CHANGES_PER_REGISTRAR = 150;
    private static final int BORROWERS = 16;

    private TestingServer zk;
    private CuratorFramework registrarClient;
    private CuratorFramework client;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;
    private final List<TestServer> servers = new ArrayList<>();
    private final AtomicReferenceArray<ZooKeeperRegistration> registrations = new AtomicReferenceArray<>(SERVERS);
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void closeEverything() throws InterruptedException {
        for (Thread t : threads) {
            t.interrupt();
            t.join(10_000);
        }
        for (int i = 0; i < SERVERS; i++) {
            Zk.closeQuietly(registrations.get(i));
        }
        Zk.closeQuietly(source, pool, registrarClient, client, zk);
        servers.forEach(TestServer::close);
    }

    @Test
    void thePoolEndsEqualToZooKeeperAndLeaksNothing() throws Exception {
        zk = new TestingServer();
        registrarClient = Zk.client(zk.getConnectString());
        client = Zk.client(zk.getConnectString());
        for (int i = 0; i < SERVERS; i++) {
            servers.add(TestServer.start());
        }
        for (int i = 0; i < SERVERS; i += 2) { // half of them to begin with
            registrations.set(i, ZooKeeperRegistration.children(registrarClient, PATH, servers.get(i).address()));
        }
        pool = Zk.pool("churn");
        source = ZooKeeperServerSource.builder(client, pool).path(PATH).removalDelay(Duration.ZERO).build();
        source.start();
        assertThat(pool.servers()).hasSize(SERVERS / 2);

        AtomicBoolean borrowing = new AtomicBoolean(true);
        AtomicLong ops = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < BORROWERS; i++) {
            start("borrower-" + i, () -> {
                while (borrowing.get()) {
                    try {
                        String answer = pool.execute(c -> Lines.roundTrip(c, "PING"));
                        if (!"PONG".equals(answer)) {
                            errors.add(new AssertionError("answer " + answer));
                        }
                        ops.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            });
        }
        List<Thread> registrars = new ArrayList<>();
        for (int r = 0; r < REGISTRARS; r++) {
            registrars.add(start("registrar-" + r, () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int n = 0; n < CHANGES_PER_REGISTRAR; n++) {
                    int i = random.nextInt(SERVERS);
                    ZooKeeperRegistration current = registrations.get(i);
                    if (current != null) {
                        if (registrations.compareAndSet(i, current, null)) {
                            current.close();
                        }
                    } else {
                        ZooKeeperRegistration made =
                                ZooKeeperRegistration.children(registrarClient, PATH, servers.get(i).address());
                        if (!registrations.compareAndSet(i, null, made)) {
                            made.close(); // another registrar was quicker
                        }
                    }
                }
            }));
        }
        for (Thread t : registrars) {
            t.join(30_000);
            assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
        }

        Set<ServerAddress> registered = new HashSet<>();
        for (int i = 0; i < SERVERS; i++) {
            if (registrations.get(i) != null) {
                registered.add(servers.get(i).address());
            }
        }
        Set<ServerAddress> inZooKeeper = new HashSet<>();
        for (String child : client.getChildren().forPath(PATH)) {
            inZooKeeper.add(ServerAddress.parse(child));
        }
        assertThat(inZooKeeper).isEqualTo(registered);
        within(Duration.ofSeconds(5)).until(() -> pool.servers().equals(inZooKeeper));
        assertThat(source.state().servers()).isEqualTo(inZooKeeper);
        long atEnd = ops.get();
        within(Duration.ofSeconds(5)).until(() -> ops.get() > atEnd + 200);
        borrowing.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(errors).as("borrows failed").isEmpty();
        assertThat(ops.get()).isGreaterThan(1000);

        // no lease is out: every connection is idle, and draining servers are gone once their leases came back
        within(Duration.ofSeconds(5)).until(() -> pool.stats().servers().stream()
                .allMatch(s -> s.active() == 0 && inZooKeeper.contains(s.server())));
        pool.close();
        for (ServerStats s : pool.stats().servers()) {
            assertThat(s.destroyed()).as("connections of " + s.server() + " closed").isEqualTo(s.created());
        }
    }

    private Thread start(String name, Runnable body) {
        Thread t = new Thread(body, "churn-" + name);
        threads.add(t);
        t.start();
        return t;
    }
}
