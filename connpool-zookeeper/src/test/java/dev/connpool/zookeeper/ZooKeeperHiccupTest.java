package dev.connpool.zookeeper;

import static dev.connpool.zookeeper.Zk.within;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.PoolListener;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import dev.connpool.TestServer;

/**
 * Bug 9, against a real ZooKeeper process: three healthy backends registered with
 * {@link ZooKeeperRegistration} on 4 s sessions; ZooKeeper is frozen (SIGSTOP) until every client has
 * given its session up, then let go (SIGCONT), so that it expires every session at once while the clients
 * come back with new ones and the registrations are made again; or ZooKeeper is killed (SIGKILL) and
 * restarted on its data, and expires the stale sessions it reloads one session later. Under load, the pool
 * must never lose a server: with no removal delay it was drained to one of three, or to none, while every
 * backend was fine. The source's own session (20 s) outlives the outage, so that it reads the path as soon
 * as the nodes go.
 */
@DisabledOnOs(OS.WINDOWS) // kill -STOP
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZooKeeperHiccupTest {

    private static final String PATH = "/services/echo";
    private static final int SESSION_MS = 4_000;
    /** The source's session outlives the pause: it is back at once and reads while the others re-register. */
    private static final int SOURCE_SESSION_MS = 20_000;
    /**
     * Set to {@code PT0S} (no removal delay, the old behaviour) to see these tests fail:
     * {@code -Dhiccup.removal-delay=PT0S}.
     */
    private static final String REMOVAL_DELAY_PROPERTY = "hiccup.removal-delay";
    private static final int BACKENDS = 3;
    private static final int WORKERS = 2;

    private ZooKeeperProcess zk;
    private final List<CuratorFramework> clients = new ArrayList<>();
    private final List<ZooKeeperRegistration> registrations = new ArrayList<>();
    private final List<TestServer> backends = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong calls = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final AtomicInteger fewestServers = new AtomicInteger(Integer.MAX_VALUE);
    private final List<ServerAddress> drained = new java.util.concurrent.CopyOnWriteArrayList<>();
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;
    private CountDownLatch sessionsLost;

    @AfterEach
    void closeEverything() throws Exception {
        running.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }
        registrations.forEach(Zk::closeQuietly);
        Zk.closeQuietly(source, pool);
        clients.forEach(Zk::closeQuietly);
        Zk.closeQuietly(zk);
        backends.forEach(TestServer::close);
    }

    @Test
    void aFrozenZooKeeperThatExpiresEverySessionDrainsNoHealthyServer() throws Exception {
        long began = System.nanoTime();
        Set<ServerAddress> all = startFleetUnderLoad();

        long pausedAt = System.nanoTime();
        zk.pause();
        // Frozen until every registrar has given its session up: ZooKeeper, once let go, expires those
        // sessions at once (their nodes go) while the registrars come back with new ones and register again.
        assertThat(sessionsLost.await(20, TimeUnit.SECONDS)).as("every registrar's session given up").isTrue();
        long pausedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
        zk.resume();

        awaitRegisteredAgainAndCheck(all, "paused " + pausedMillis + " ms", began);
    }

    @Test
    void aKilledZooKeeperThatExpiresTheSessionsItReloadsDrainsNoHealthyServer() throws Exception {
        long began = System.nanoTime();
        Set<ServerAddress> all = startFleetUnderLoad();

        long killedAt = System.nanoTime();
        zk.kill();
        // Down until every registrar has given its session up and opened a new one on the restarted server,
        // which reloads the old sessions and their nodes from its data and expires them one session later.
        assertThat(sessionsLost.await(20, TimeUnit.SECONDS)).as("every registrar's session given up").isTrue();
        long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        zk.restart();

        awaitRegisteredAgainAndCheck(all, "killed for " + downMillis + " ms", began);
    }

    /** ZooKeeper, three backends registered on 4 s sessions, the pool and its source, workers calling. */
    private Set<ServerAddress> startFleetUnderLoad() throws Exception {
        zk = ZooKeeperProcess.start(1_000); // sessions of 2 to 20 s
        sessionsLost = new CountDownLatch(BACKENDS);
        for (int i = 0; i < BACKENDS; i++) {
            TestServer backend = TestServer.start();
            backends.add(backend);
            registrations.add(ZooKeeperRegistration.children(registrar(), PATH, backend.address()));
        }
        pool = MultiPool.builder(SocketConnectionFactory.builder()
                        .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(5)).build())
                .name("hiccup").maxActive(8).maxWait(Duration.ofSeconds(2))
                .listener(new PoolListener() {
                    @Override
                    public void serverRemoved(String pool, ServerAddress server) {
                        drained.add(server);
                    }
                }).build();
        CuratorFramework sourceClient = Zk.client(zk.connectString(), SOURCE_SESSION_MS);
        clients.add(sourceClient);
        ZooKeeperServerSource.Builder builder = ZooKeeperServerSource.builder(sourceClient, pool).path(PATH);
        String delay = System.getProperty(REMOVAL_DELAY_PROPERTY); // unset: the default removal delay
        if (delay != null) {
            builder.removalDelay(Duration.parse(delay));
        }
        source = builder.build();
        source.start();
        Set<ServerAddress> all = pool.servers();
        assertThat(all).hasSize(BACKENDS);
        startSampling();
        startWorkers();
        awaitMoreCalls(200);
        return all;
    }

    /**
     * Waits until the registrations are made again by the registrars' new sessions and the source has read
     * them with nothing pending removal; then checks that the pool never lost a server and no call failed.
     */
    private void awaitRegisteredAgainAndCheck(Set<ServerAddress> all, String what, long began) throws Exception {
        within(Duration.ofSeconds(20)).until(() -> source.state().connected()
                && source.state().servers().equals(all) && source.state().removing().isEmpty()
                && registeredByCurrentSessions());
        awaitMoreCalls(200);
        running.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }
        System.err.printf("ZooKeeperHiccupTest: %s, %d calls, fewest servers %d, %.1f s in all%n",
                what, calls.get(), fewestServers.get(), (System.nanoTime() - began) / 1e9);
        assertThat(drained).as("servers drained").isEmpty();
        assertThat(fewestServers.get()).as("fewest servers the pool had").isEqualTo(BACKENDS);
        assertThat(errors).as("failed calls").isEmpty();
        assertThat(pool.servers()).isEqualTo(all);
    }

    /** A started client on a 4 s session; it counts down {@link #sessionsLost} when its session is lost. */
    private CuratorFramework registrar() throws InterruptedException {
        CuratorFramework client = Zk.client(zk.connectString(), SESSION_MS);
        clients.add(client);
        AtomicBoolean lost = new AtomicBoolean();
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.LOST && lost.compareAndSet(false, true)) {
                sessionsLost.countDown();
            }
        });
        return client;
    }

    /** Whether each backend's node is owned by its registrar's session of now (made again after the expiry). */
    private boolean registeredByCurrentSessions() throws Exception {
        for (int i = 0; i < BACKENDS; i++) {
            CuratorFramework registrar = clients.get(i);
            var stat = registrar.checkExists().forPath(PATH + "/" + backends.get(i).address());
            if (stat == null
                    || stat.getEphemeralOwner() != registrar.getZookeeperClient().getZooKeeper().getSessionId()) {
                return false;
            }
        }
        return true;
    }

    private void startSampling() {
        start("sampler", () -> {
            while (running.get()) {
                int n = pool.servers().size();
                fewestServers.accumulateAndGet(n, Math::min);
                LockSupport.parkNanos(100_000); // a sample every 0.1 ms; the listener sees every drain anyway
            }
        });
    }

    private void startWorkers() {
        for (int i = 0; i < WORKERS; i++) {
            start("worker-" + i, () -> {
                while (running.get()) {
                    try {
                        String answer = pool.execute(c -> Lines.roundTrip(c, "PING"));
                        if (!"PONG".equals(answer)) {
                            errors.add(new AssertionError("answer " + answer));
                        }
                        calls.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            });
        }
    }

    private void awaitMoreCalls(long more) {
        long target = calls.get() + more;
        within(Duration.ofSeconds(10)).until(() -> calls.get() >= target);
    }

    private void start(String name, Runnable body) {
        Thread t = new Thread(body, "hiccup-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }
}
