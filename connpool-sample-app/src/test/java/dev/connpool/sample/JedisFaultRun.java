package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.MultiPool;
import dev.connpool.PoolListener;
import dev.connpool.ServerAddress;
import dev.connpool.ServerState;
import dev.connpool.ServerStats;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The shared fixture of the fault tests with the real Jedis client: one pool over three {@code redis-server}
 * processes, made by the sample's {@link RedisConnectionFactory} (behind {@link CountingJedisFactory}), with
 * 16 threads of {@link JedisLoad} on it and a listener that records ejections and re-admissions. Started warm
 * (every server has served calls); {@link #close()} stops the load, checks the books, closes the pool and
 * checks that nothing is left open, in the pool's books, the factory's and the servers' own client lists.
 *
 * <p>Settings chosen to keep a fault short: read timeout 500 ms (a hung server costs a call that much),
 * connect timeout 250 ms, {@code max-active} 20 per server (above the 16 threads: no borrow waits, a timeout
 * would say nothing about faults), ejection after 3 failures in a row for 250 ms doubling up to 1 s, back-off
 * 1 to 20 ms, and no health probes: traffic alone judges the servers, so every figure is the traffic's (the
 * probes have tests of their own in core).
 */
final class JedisFaultRun implements AutoCloseable {

    static final Duration READ_TIMEOUT = Duration.ofMillis(500);
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(250);
    static final int THREADS = 16;
    static final Duration PATIENCE = Duration.ofSeconds(20);

    /** A server ejected (or re-admitted) at {@code nanos}. */
    record Event(ServerAddress server, long nanos) {
    }

    final List<ServerAddress> servers;
    final CountingJedisFactory factory;
    final MultiPool<Jedis> pool;
    final JedisLoad load;
    private final Queue<Event> ejections = new ConcurrentLinkedQueue<>();
    private final Queue<Event> readmissions = new ConcurrentLinkedQueue<>();
    private boolean closed;

    private JedisFaultRun(List<Integer> ports) {
        servers = ports.stream().map(port -> ServerAddress.of("127.0.0.1", port)).toList();
        factory = new CountingJedisFactory(new RedisConnectionFactory(CONNECT_TIMEOUT, READ_TIMEOUT));
        pool = MultiPool.builder(factory)
                .name("jedis-faults")
                .servers(servers)
                .maxActive(20)
                .maxWait(Duration.ofSeconds(2))
                .retryAttempts(3)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(20), 2.0, 0.2)
                .ejection(3, Duration.ofMillis(250), Duration.ofSeconds(1), 50)
                .healthCheckInterval(Duration.ZERO)
                .listener(new PoolListener() {
                    @Override
                    public void serverEjected(String name, ServerAddress server, Duration duration, Throwable lastFailure) {
                        ejections.add(new Event(server, System.nanoTime()));
                    }

                    @Override
                    public void serverReadmitted(String name, ServerAddress server) {
                        readmissions.add(new Event(server, System.nanoTime()));
                    }
                })
                .build();
        load = new JedisLoad(pool, factory, servers, THREADS);
    }

    /** A pool over the servers on {@code ports}, under load, once every server has served calls. */
    static JedisFaultRun start(List<Integer> ports) {
        JedisFaultRun run = new JedisFaultRun(ports);
        run.load.start();
        await("warm-up: 2,000 calls, every server served 100").atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                .until(() -> run.load.completed() >= 2_000
                        && run.servers.stream().allMatch(s -> run.load.served(s) >= 100));
        assertThat(run.load.failedCalls()).as("failed calls before any fault").isEmpty();
        run.load.resetWorst();
        return run;
    }

    /** Where the load stood at a moment: when, its successful calls, and those of one server. */
    record Mark(long nanos, long completed, ServerAddress server, long served) {
    }

    Mark mark(ServerAddress server) {
        return new Mark(System.nanoTime(), load.completed(), server, load.served(server));
    }

    /**
     * Waits until {@code calls} calls succeeded after {@code mark}, {@code servedCalls} of them served by the
     * mark's server.
     */
    void awaitCallsAfter(Mark mark, long calls, long servedCalls) {
        await(calls + " calls after the mark, " + servedCalls + " of them by " + mark.server()).atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> load.completed() - mark.completed() >= calls
                        && load.served(mark.server()) - mark.served() >= servedCalls);
    }

    ServerAddress server(int index) {
        return servers.get(index);
    }

    ServerStats stats(ServerAddress server) {
        return pool.stats(server);
    }

    /** Waits until {@code server} is {@code ACTIVE} again. */
    void awaitActive(ServerAddress server) {
        await(server + " ACTIVE").atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                .until(() -> stats(server).state() == ServerState.ACTIVE);
    }

    /** Ejections heard by the listener, of {@code server} (or of any server when null). */
    List<Event> ejections(ServerAddress server) {
        return ejections.stream().filter(e -> server == null || e.server().equals(server)).toList();
    }

    /** When {@code server} was last re-admitted, or {@code null}. */
    Long lastReadmission(ServerAddress server) {
        return readmissions.stream().filter(e -> e.server().equals(server)).map(Event::nanos).reduce((a, b) -> b)
                .orElse(null);
    }

    /** A connection of its own to a server, past the pool, for the fault's commands. */
    static Jedis admin(ServerAddress server) {
        return new Jedis(new HostAndPort(server.host(), server.port()),
                DefaultJedisClientConfig.builder().socketTimeoutMillis(10_000).connectionTimeoutMillis(2_000)
                        .autoNegotiateProtocol(false).build());
    }

    /** Prints the fault's figures line to the test log, and returns it. */
    String figures(String fault, ServerAddress faulted, long sinceNanos) {
        List<JedisLoad.FailedCall> failed = load.failedCalls();
        long executeErrors = failed.stream().filter(f -> !f.pinned()).count();
        long pinnedErrors = failed.stream().filter(JedisLoad.FailedCall::pinned).count();
        String line = String.format("figures | %-22s | execute errors %d | pinned errors %d | ejections %d (%s: %d)"
                        + " | worst execute %d ms (timeouts %d) | worst pinned %d ms | failed attempts on %s: %d work"
                        + " + %d connect | calls %d", fault, executeErrors, pinnedErrors, ejections(null).size(), faulted,
                ejections(faulted).size(), load.worstExecuteMillis(), load.mostTimeoutsInOneExecute(),
                load.worstPinnedMillis(), faulted,
                load.failedAttempts(faulted, sinceNanos).size(), factory.failedConnects(faulted, sinceNanos),
                load.completed());
        System.out.println(line);
        return line;
    }

    /**
     * Stops the load, checks the books of every server (pool and factory agree; {@code created - destroyed ==
     * active + idle}), closes the pool and checks that nothing is left open: not in the factory, not in the
     * servers' client lists.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            load.close();
            for (ServerAddress server : servers) {
                ServerStats stats = stats(server);
                assertThat(stats.active()).as("leases out on %s with the load stopped", server).isZero();
                assertThat(stats.created() - stats.destroyed()).as("books of %s: created - destroyed", server)
                        .isEqualTo(stats.active() + stats.idle());
                assertThat(factory.created(server)).as("connections the factory opened to %s", server)
                        .isEqualTo(stats.created());
                assertThat(factory.destroyed(server)).as("connections the factory closed to %s", server)
                        .isEqualTo(stats.destroyed());
            }
        } finally {
            pool.close();
        }
        assertThat(factory.open()).as("connections open after close()").isZero();
        assertThat(factory.mistakes()).as("connections closed twice or never opened").isEmpty();
        for (ServerAddress server : servers) {
            try (Jedis admin = admin(server)) {
                await("no client of the pool left on " + server).atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                        .until(() -> connectedClients(admin) == 1); // the admin connection itself
            }
        }
    }

    private static long connectedClients(Jedis admin) {
        for (String line : admin.info("clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Long.parseLong(line.substring("connected_clients:".length()).strip());
            }
        }
        throw new AssertionError("INFO clients has no connected_clients: " + admin.info("clients"));
    }

    static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
