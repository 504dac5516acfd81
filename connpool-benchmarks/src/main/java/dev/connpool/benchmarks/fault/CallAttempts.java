package dev.connpool.benchmarks.fault;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The attempts of the call a caller thread is making: each run of the work counts one (the work increments the
 * counter it captured, on whatever thread runs it), and so does each connect that fails on the caller's thread
 * ({@link CountingFactory}), an attempt that never reached the work.
 */
final class CallAttempts {

    private static final ThreadLocal<AtomicInteger> CURRENT = new ThreadLocal<>();

    private CallAttempts() {
    }

    /** A new call on this thread: its counter, from 0. */
    static AtomicInteger begin() {
        AtomicInteger attempts = new AtomicInteger();
        CURRENT.set(attempts);
        return attempts;
    }

    /** The call on this thread is over. */
    static void end() {
        CURRENT.remove();
    }

    /** A connect failed on this thread: an attempt of its call, if it is a caller's (not a probe's). */
    static void failedConnect() {
        AtomicInteger attempts = CURRENT.get();
        if (attempts != null) {
            attempts.incrementAndGet();
        }
    }
}
