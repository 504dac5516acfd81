package dev.connpool.sample;

import dev.connpool.ConnectionFactory;
import dev.connpool.FailureKind;
import dev.connpool.ServerAddress;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import redis.clients.jedis.Jedis;

/**
 * The sample's {@link RedisConnectionFactory} as a pool sees it, with the factory's own books: per server, the
 * connections it opened and closed, the connects that failed (with when), and which connections are still
 * open. A connection closed twice, or one it never opened, is recorded as a mistake. Thread-safe.
 */
final class CountingJedisFactory implements ConnectionFactory<Jedis> {

    /** A connect that failed: where, when ({@link System#nanoTime()}), why. */
    record FailedConnect(ServerAddress server, long nanos, Exception failure) {
    }

    private final RedisConnectionFactory redis;
    private final Map<ServerAddress, LongAdder> created = new ConcurrentHashMap<>();
    private final Map<ServerAddress, LongAdder> destroyed = new ConcurrentHashMap<>();
    private final Set<Jedis> open = ConcurrentHashMap.newKeySet();
    private final Queue<FailedConnect> failedConnects = new ConcurrentLinkedQueue<>();
    private final Queue<String> mistakes = new ConcurrentLinkedQueue<>();
    /** Per thread: its connects that failed on a timeout (the connect's, or the new connection's PING's). */
    private final ThreadLocal<int[]> timedOutConnectsHere = ThreadLocal.withInitial(() -> new int[1]);

    CountingJedisFactory(RedisConnectionFactory redis) {
        this.redis = redis;
    }

    @Override
    public Jedis create(ServerAddress server) {
        Jedis jedis;
        try {
            jedis = redis.create(server);
        } catch (RuntimeException e) {
            failedConnects.add(new FailedConnect(server, System.nanoTime(), e));
            if (JedisLoad.timedOut(e)) {
                timedOutConnectsHere.get()[0]++;
            }
            throw e;
        }
        open.add(jedis);
        count(created, server);
        return jedis;
    }

    @Override
    public boolean validate(ServerAddress server, Jedis connection) {
        return redis.validate(server, connection);
    }

    @Override
    public boolean probe(ServerAddress server, Jedis connection) {
        return redis.probe(server, connection);
    }

    @Override
    public boolean probeIsRoundTrip() {
        return redis.probeIsRoundTrip();
    }

    @Override
    public void destroy(ServerAddress server, Jedis connection) {
        if (!open.remove(connection)) {
            mistakes.add("destroy of a connection to " + server + " that is not open: " + connection);
        }
        count(destroyed, server);
        redis.destroy(server, connection);
    }

    @Override
    public FailureKind classify(ServerAddress server, Throwable failure) {
        return redis.classify(server, failure);
    }

    long created(ServerAddress server) {
        return sum(created, server);
    }

    long destroyed(ServerAddress server) {
        return sum(destroyed, server);
    }

    /** Connections opened and not closed yet, over every server. */
    int open() {
        return open.size();
    }

    /** Connects to {@code server} that failed at or after {@code sinceNanos}. */
    long failedConnects(ServerAddress server, long sinceNanos) {
        return failedConnects.stream().filter(f -> f.server().equals(server) && f.nanos() - sinceNanos >= 0).count();
    }

    /** Connects made by the calling thread that failed on a timeout, so far. */
    int timedOutConnectsOnThisThread() {
        return timedOutConnectsHere.get()[0];
    }

    /** Destroys of a connection that was not open (closed twice, or never opened here). */
    Queue<String> mistakes() {
        return mistakes;
    }

    private static void count(Map<ServerAddress, LongAdder> counts, ServerAddress server) {
        counts.computeIfAbsent(server, s -> new LongAdder()).increment();
    }

    private static long sum(Map<ServerAddress, LongAdder> counts, ServerAddress server) {
        LongAdder count = counts.get(server);
        return count == null ? 0 : count.sum();
    }
}
