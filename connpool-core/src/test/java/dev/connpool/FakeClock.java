package dev.connpool;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand; sleeping moves it and records the pause. */
final class FakeClock implements NanoClock {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    final List<Long> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public long nanoTime() {
        return now.get();
    }

    @Override
    public void sleepNanos(long nanos) {
        sleeps.add(nanos);
        now.addAndGet(nanos);
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }
}
