package dev.connpool.zookeeper;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.awaitility.core.ConditionFactory;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSourceState;
import dev.connpool.ServerStats;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;

/** Helpers shared by the tests: Curator clients, pools, waiting. */
final class Zk {

    private Zk() {
    }

    /**
     * How long a source may take to follow a change in ZooKeeper (a watch, then a read): it takes some 10 to
     * 150 ms; 1 s, as it was, left too little for a busy 2-core CI machine. The sources have no periodic read,
     * so a change one missed is never followed: a wait for it still fails.
     */
    static final Duration FOLLOW = Duration.ofSeconds(5);

    /**
     * A ZooKeeper server with a 100 ms tick: sessions of 200 ms to 2 s are allowed, so that tests can let a
     * session expire quickly.
     */
    static TestingServer fastServer() throws Exception {
        return new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, -1), true);
    }

    /** A started client, connected (or the test fails). */
    static CuratorFramework client(String connectString) throws InterruptedException {
        return client(connectString, 10_000);
    }

    static CuratorFramework client(String connectString, int sessionTimeoutMs) throws InterruptedException {
        CuratorFramework client = unstartedClient(connectString, sessionTimeoutMs);
        client.start();
        if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
            client.close();
            throw new AssertionError("no connection to ZooKeeper at " + connectString);
        }
        return client;
    }

    static CuratorFramework unstartedClient(String connectString, int sessionTimeoutMs) {
        return CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(Math.min(sessionTimeoutMs, 5_000))
                .retryPolicy(new RetryNTimes(3, 100))
                .build();
    }

    static MultiPool<SocketConnection> pool(String name) {
        return MultiPool.builder(SocketConnectionFactory.builder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .readTimeout(Duration.ofSeconds(5))
                        .build())
                .name(name)
                .maxActive(8)
                .maxWait(Duration.ofSeconds(2))
                .build();
    }

    /** Awaitility, polling fast. */
    static ConditionFactory within(Duration atMost) {
        return await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    /** The server's stats, or null when the pool forgot it (drained). */
    static ServerStats stats(MultiPool<?> pool, ServerAddress server) {
        return pool.stats().servers().stream().filter(s -> s.server().equals(server)).findFirst().orElse(null);
    }

    static void closeQuietly(AutoCloseable... closeables) {
        for (AutoCloseable c : closeables) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception ignored) {
                // cleaning up
            }
        }
    }

    /** How many nodes the last read found: the servers and the skipped ones (each node is one or the other). */
    static int nodeCount(ServerSourceState state) {
        return state.servers().size() + state.skipped().size();
    }

    /** The names of the skipped nodes, each entry being {@code name: why}. */
    static List<String> skippedNames(ServerSourceState state) {
        return state.skipped().stream().map(entry -> entry.substring(0, entry.indexOf(": "))).toList();
    }
}
