package dev.connpool;

import java.util.concurrent.TimeUnit;

/**
 * The pool's one source of time (ejection, back-off, lifetime); tests replace it with a fake.
 */
interface NanoClock {

    /** The system's monotonic clock; {@link #sleepNanos} really sleeps. */
    NanoClock SYSTEM = new NanoClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    };

    /**
     * Returns a monotonic time in nanoseconds, only meaningful as a difference to another reading.
     *
     * @return the time
     */
    long nanoTime();

    /**
     * Waits {@code nanos} (a retry back-off).
     *
     * @param nanos how long
     * @throws InterruptedException when the thread is interrupted
     */
    void sleepNanos(long nanos) throws InterruptedException;
}
