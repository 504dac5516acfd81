package dev.connpool.zookeeper;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import dev.connpool.ServerSourceSupport;

/** A {@link ServerSourceSupport.Clock} the test moves by hand. */
final class ManualClock implements ServerSourceSupport.Clock {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        return START.plusNanos(nanos.get());
    }

    void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }
}
