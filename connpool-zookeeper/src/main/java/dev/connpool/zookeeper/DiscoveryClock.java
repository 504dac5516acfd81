package dev.connpool.zookeeper;

import java.time.Instant;

/**
 * Where a {@link ZooKeeperServerSource} reads the time: a monotonic clock for delays and outages, and the
 * wall clock for {@link DiscoveryState#lastUpdate()}. Tests put a clock they move by hand in its place.
 */
interface DiscoveryClock {

    /** The system's clocks. */
    DiscoveryClock SYSTEM = new DiscoveryClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant instant() {
            return Instant.now();
        }
    };

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** The wall-clock time. */
    Instant instant();
}
