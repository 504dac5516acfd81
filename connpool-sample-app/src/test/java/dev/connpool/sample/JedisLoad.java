package dev.connpool.sample;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import redis.clients.jedis.Jedis;

/**
 * Threads of load on a {@code MultiPool<Jedis>}, each alternating {@code execute(work)} (the balancer picks the
 * server) and the pinned {@code execute(server, work)} (the thread's next server in turn, so the sharded calls
 * spread over all servers). The work is an {@code ECHO} of a text unique to the call, checked: a reply meant
 * for another call (a connection reused after a timeout, its late reply still to come) fails the call.
 *
 * <p>Recorded: successful calls (and per server, those pinned to it), every failed call (with its times and
 * error), every failed run of the work on a server (an attempt that reached the server and failed), and the
 * longest call of each kind since {@link #resetWorst()}, and the most timeouts one {@code execute(work)} waited
 * out (its work's read timeouts and, through {@link CountingJedisFactory}, its connects' timeouts). Times are
 * {@link System#nanoTime()}.
 */
final class JedisLoad implements AutoCloseable {

    /** A call that failed: pinned or not, its server when pinned, when it started and ended, why. */
    record FailedCall(boolean pinned, ServerAddress target, long startNanos, long endNanos, RuntimeException error) {
    }

    /** A run of the work that reached {@code server} and failed there. */
    record FailedAttempt(ServerAddress server, long nanos, RuntimeException error) {
    }

    private final MultiPool<Jedis> pool;
    private final CountingJedisFactory factory;
    private final List<ServerAddress> servers;
    /** Per thread: its works that failed on a timeout, so far. */
    private final ThreadLocal<int[]> timedOutWorksHere = ThreadLocal.withInitial(() -> new int[1]);
    private final AtomicLong mostTimeoutsInOneExecute = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final LongAdder executed = new LongAdder();
    private final LongAdder pinned = new LongAdder();
    private final Map<ServerAddress, LongAdder> pinnedServed = new ConcurrentHashMap<>();
    private final Map<ServerAddress, LongAdder> served = new ConcurrentHashMap<>();
    private final Queue<FailedCall> failedCalls = new ConcurrentLinkedQueue<>();
    private final Queue<FailedAttempt> failedAttempts = new ConcurrentLinkedQueue<>();
    private final AtomicLong worstExecuteNanos = new AtomicLong();
    private final AtomicLong worstPinnedNanos = new AtomicLong();
    private volatile boolean stopped;

    JedisLoad(MultiPool<Jedis> pool, CountingJedisFactory factory, List<ServerAddress> servers, int threadCount) {
        this.pool = pool;
        this.factory = factory;
        this.servers = List.copyOf(servers);
        for (ServerAddress server : servers) {
            pinnedServed.put(server, new LongAdder());
            served.put(server, new LongAdder());
        }
        for (int i = 0; i < threadCount; i++) {
            int index = i;
            Thread thread = new Thread(() -> loop(index), "jedis-load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    private void loop(int index) {
        for (long n = 0; !stopped; n++) {
            String text = "t" + index + "-" + n;
            long start = System.nanoTime();
            int timeoutsBefore = timeoutsOnThisThread();
            try {
                ServerAddress server = pool.execute((jedis, at) -> echo(jedis, at, text + "-e"));
                executed.increment();
                served.get(server).increment();
            } catch (RuntimeException e) {
                failedCalls.add(new FailedCall(false, null, start, System.nanoTime(), e));
            } finally {
                worstExecuteNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                mostTimeoutsInOneExecute.accumulateAndGet(timeoutsOnThisThread() - timeoutsBefore, Math::max);
            }
            ServerAddress target = servers.get((int) ((index + n) % servers.size()));
            start = System.nanoTime();
            try {
                pool.execute(target, jedis -> echo(jedis, target, text + "-p"));
                pinned.increment();
                pinnedServed.get(target).increment();
                served.get(target).increment();
            } catch (RuntimeException e) {
                failedCalls.add(new FailedCall(true, target, start, System.nanoTime(), e));
            } finally {
                worstPinnedNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            }
        }
    }

    private ServerAddress echo(Jedis jedis, ServerAddress server, String text) {
        try {
            String reply = jedis.echo(text);
            if (!text.equals(reply)) {
                throw new IllegalStateException("ECHO " + text + " on " + server + " answered '" + reply
                        + "': the reply of another command");
            }
            return server;
        } catch (RuntimeException e) {
            failedAttempts.add(new FailedAttempt(server, System.nanoTime(), e));
            if (timedOut(e)) {
                timedOutWorksHere.get()[0]++;
            }
            throw e;
        }
    }

    /** Timeouts the calling thread has waited out so far: its works' and its connects'. */
    private int timeoutsOnThisThread() {
        return timedOutWorksHere.get()[0] + factory.timedOutConnectsOnThisThread();
    }

    /** Whether a failure was a wait that timed out (a read, or a connect). */
    static boolean timedOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Successful calls so far, of both kinds. */
    long completed() {
        return executed.sum() + pinned.sum();
    }

    /** Successful calls served by {@code server} so far, of both kinds. */
    long served(ServerAddress server) {
        return served.get(server).sum();
    }

    /** Successful pinned calls to {@code server} so far. */
    long pinnedServed(ServerAddress server) {
        return pinnedServed.get(server).sum();
    }

    List<FailedCall> failedCalls() {
        return List.copyOf(failedCalls);
    }

    List<FailedAttempt> failedAttempts() {
        return List.copyOf(failedAttempts);
    }

    /** Failed runs of the work on {@code server} at or after {@code sinceNanos}. */
    List<FailedAttempt> failedAttempts(ServerAddress server, long sinceNanos) {
        return failedAttempts.stream().filter(f -> f.server().equals(server) && f.nanos() - sinceNanos >= 0).toList();
    }

    long worstExecuteMillis() {
        return TimeUnit.NANOSECONDS.toMillis(worstExecuteNanos.get());
    }

    long worstPinnedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(worstPinnedNanos.get());
    }

    /** The most timeouts one {@code execute(work)} waited out since {@link #resetWorst()}. */
    long mostTimeoutsInOneExecute() {
        return mostTimeoutsInOneExecute.get();
    }

    /** Forgets the longest calls so far (the warm-up's): the next figures are the fault's. */
    void resetWorst() {
        worstExecuteNanos.set(0);
        worstPinnedNanos.set(0);
        mostTimeoutsInOneExecute.set(0);
    }

    /** Stops the threads after their current call and waits for them. */
    @Override
    public void close() {
        stopped = true;
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while stopping the load", e);
            }
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " did not stop within 30 s");
            }
        }
    }
}
