package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The parked-connection stack (front slot + Treiber stack) alone, and under contention. */
class IdleStackTest {

    private final ServerEntry entry = new ServerEntry(ServerAddress.of("127.0.0.1", 1), 0);

    private PooledConnection<Object> connection() {
        return new PooledConnection<>(new Object(), entry, 0, 0);
    }

    @Test
    void popsWhatWasPushedSlotFirstThenLastInFirstOut() {
        PooledConnection<Object> a = connection();
        PooledConnection<Object> b = connection();
        PooledConnection<Object> c = connection();
        assertThat(IdleStack.pop(entry)).isNull();
        IdleStack.push(entry, a); // the slot
        IdleStack.push(entry, b);
        IdleStack.push(entry, c);
        assertThat(IdleStack.count(entry)).isEqualTo(3);
        assertThat(IdleStack.pop(entry)).isSameAs(a);
        assertThat(IdleStack.pop(entry)).isSameAs(c);
        assertThat(IdleStack.pop(entry)).isSameAs(b);
        assertThat(IdleStack.pop(entry)).isNull();
        assertThat(IdleStack.count(entry)).isZero();
    }

    @Test
    void popAllTakesTheSlotAndTheStack() {
        List<PooledConnection<Object>> pushed = List.of(connection(), connection(), connection());
        pushed.forEach(c -> IdleStack.push(entry, c));
        assertThat(IdleStack.popAll(entry)).containsExactlyInAnyOrderElementsOf(pushed);
        assertThat(IdleStack.popAll(entry)).isEmpty();
        assertThat(IdleStack.count(entry)).isZero();
    }

    @Test
    void underContentionNothingIsLostOrHandedOutTwice() throws Exception {
        List<PooledConnection<Object>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(connection());
            IdleStack.push(entry, all.get(i));
        }
        // Read-only after this line: one "held" flag per connection, set by whoever popped it.
        Map<PooledConnection<?>, AtomicBoolean> held = new IdentityHashMap<>();
        all.forEach(c -> held.put(c, new AtomicBoolean()));
        int threads = 8;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(executor.submit(() -> {
                    start.await();
                    int duplicates = 0;
                    for (int i = 0; i < 500_000; i++) {
                        PooledConnection<?> taken = IdleStack.pop(entry);
                        if (taken == null) {
                            continue;
                        }
                        AtomicBoolean flag = held.get(taken);
                        if (!flag.compareAndSet(false, true)) {
                            duplicates++; // another thread popped it too and holds it
                        }
                        Thread.onSpinWait();
                        flag.set(false);
                        IdleStack.push(entry, taken);
                    }
                    return duplicates;
                }));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                assertThat(result.get(60, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            executor.shutdownNow();
        }
        assertThat(IdleStack.popAll(entry)).containsExactlyInAnyOrderElementsOf(all);
    }
}
