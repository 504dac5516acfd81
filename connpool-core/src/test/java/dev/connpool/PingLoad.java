package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Callers of {@code execute(PING)} over a pool of line servers, for the tests that count what failures reach them. */
final class PingLoad {

    private PingLoad() {
    }

    /**
     * Runs {@code callsPerThread} calls on each of {@code threads} threads, each answered {@code PONG} or failed
     * with a {@link PoolException}; returns the failures, having checked that every call is one or the other.
     */
    static List<Throwable> run(MultiPool<SocketConnection> pool, int threads, int callsPerThread) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger answered = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(executor.submit(() -> {
                    for (int i = 0; i < callsPerThread; i++) {
                        try {
                            String answer = pool.execute(c -> Lines.roundTrip(c, "PING"));
                            assertThat(answer).isEqualTo("PONG");
                            answered.incrementAndGet();
                        } catch (PoolException e) {
                            failures.add(e);
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            executor.shutdownNow();
        }
        assertThat(answered.get() + failures.size()).isEqualTo(threads * callsPerThread);
        return failures;
    }
}
