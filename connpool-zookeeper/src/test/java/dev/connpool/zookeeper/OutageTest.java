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
import java.util.concurrent.atomic.AtomicLong;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.connpool.Lines;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSourceState;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;

/**
 * ZooKeeper away: the pool keeps its servers and keeps serving; once ZooKeeper is back the source reads
 * the path again. The source's session is short (1.5 s) and is lost during the outage, so its watches are
 * gone: only the full read on reconnection can bring the pool up to date.
 */
class OutageTest {

    private static final String PATH = "/services/echo";
    private static final int SESSION_MS = 1_500;
    private static final int WORKERS = 4;

    private TestingServer zk;
    private TcpProxy proxy;
    private CuratorFramework client;
    private CuratorFramework writer;
    private MultiPool<SocketConnection> pool;
    private ZooKeeperServerSource source;
    private final List<TestServer> servers = new ArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicBoolean working = new AtomicBoolean(true);
    private final AtomicLong ops = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final CountDownLatch lost = new CountDownLatch(1);

    @AfterEach
    void closeEverything() throws InterruptedException {
        stopWorkers();
        Zk.closeQuietly(source, pool, client, writer, proxy, zk);
        servers.forEach(TestServer::close);
    }

    private ServerAddress server() throws Exception {
        TestServer server = TestServer.start();
        servers.add(server);
        return server.address();
    }

    private void setUp(String sourceConnectString) throws Exception {
        client = Zk.client(sourceConnectString, SESSION_MS);
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.LOST) {
                lost.countDown();
            }
        });
        writer = Zk.client(zk.getConnectString(), SESSION_MS);
        pool = Zk.pool("outage");
    }

    private void startWorkers() {
        for (int i = 0; i < WORKERS; i++) {
            Thread t = new Thread(() -> {
                while (working.get()) {
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
            }, "outage-worker-" + i);
            t.start();
            workers.add(t);
        }
    }

    private void stopWorkers() throws InterruptedException {
        working.set(false);
        for (Thread t : workers) {
            t.join(10_000);
        }
    }

    /** Registers {@code a} and {@code b} under the path and starts the source, which must give the pool both. */
    private void startSourceWith(ServerAddress a, ServerAddress b) throws Exception {
        writer.create().creatingParentsIfNeeded().forPath(PATH + "/" + a);
        writer.create().forPath(PATH + "/" + b);
        source = ZooKeeperServerSource.builder(client, pool).path(PATH).removalDelay(Duration.ZERO).build();
        source.start();
        assertThat(pool.servers()).containsExactlyInAnyOrder(a, b);
    }

    private void awaitMoreWork(long more) {
        long target = ops.get() + more;
        within(Duration.ofSeconds(10)).until(() -> ops.get() >= target);
    }

    @Test
    void zooKeeperStoppedKeepsTheServersAndTheReadAfterRestartFollowsChanges() throws Exception {
        zk = Zk.fastServer();
        setUp(zk.getConnectString());
        ServerAddress a = server();
        ServerAddress b = server();
        ServerAddress c = server();
        startSourceWith(a, b);
        startWorkers();
        awaitMoreWork(100);

        zk.stop();
        within(Duration.ofSeconds(5)).until(() -> !source.state().connected());
        assertThat(source.state().lastError()).isNotNull();
        assertThat(lost.await(10, TimeUnit.SECONDS)).as("the source's session is lost during the outage").isTrue();
        awaitMoreWork(300); // the pool keeps serving while ZooKeeper is away
        ServerSourceState away = source.state();
        assertThat(away.connected()).isFalse();
        assertThat(away.lastError()).contains("ZooKeeper");
        assertThat(away.servers()).containsExactlyInAnyOrder(a, b);
        assertThat(pool.servers()).containsExactlyInAnyOrder(a, b);

        zk.restart();
        assertThat(writer.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
        writer.create().forPath(PATH + "/" + c);
        writer.delete().forPath(PATH + "/" + a);
        within(Duration.ofSeconds(10)).until(() -> pool.servers().equals(Set.of(b, c)));
        within(Duration.ofSeconds(2)).until(() -> source.state().connected() && source.state().lastError() == null);
        awaitMoreWork(100);

        stopWorkers();
        assertThat(errors).as("borrows failed").isEmpty();
    }

    @Test
    void changesMadeWhileTheSourceIsCutOffAreReadOnReconnection() throws Exception {
        zk = Zk.fastServer();
        proxy = new TcpProxy(zk.getPort());
        setUp(proxy.connectString());
        ServerAddress a = server();
        ServerAddress b = server();
        ServerAddress c = server();
        startSourceWith(a, b);
        startWorkers();

        proxy.stop();
        within(Duration.ofSeconds(5)).until(() -> !source.state().connected());
        writer.create().forPath(PATH + "/" + c);
        writer.delete().forPath(PATH + "/" + a);
        assertThat(lost.await(10, TimeUnit.SECONDS)).as("the source's session is lost while cut off").isTrue();
        awaitMoreWork(300);
        assertThat(pool.servers()).as("unchanged while ZooKeeper cannot be read").containsExactlyInAnyOrder(a, b);

        proxy.restart();
        within(Duration.ofSeconds(10)).until(() -> pool.servers().equals(Set.of(b, c)));
        assertThat(source.state().connected()).isTrue();
        awaitMoreWork(100);

        stopWorkers();
        assertThat(errors).as("borrows failed").isEmpty();
    }
}
