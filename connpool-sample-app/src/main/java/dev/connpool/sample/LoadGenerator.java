package dev.connpool.sample;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Background clients that call {@link BackendService#echo(String)} in a loop, so that the dashboard has
 * something to show. Bounded: at most {@link #MAX_CLIENTS} daemon threads, which stop on {@link #stop()},
 * when the application context closes, and at the latest {@link #MAX_DURATION} after they started.
 * Failed calls are counted (with the last error's message), never thrown or logged one by one.
 */
@Component
public class LoadGenerator implements DisposableBean {

    public static final int MAX_CLIENTS = 32;
    public static final Duration MAX_DURATION = Duration.ofMinutes(10);
    public static final long MAX_PAUSE_MILLIS = 1000;
    /** How long a client waits after a failed call, so that a dead pool is not called in a tight loop. */
    static final long ERROR_PAUSE_MILLIS = 20;

    private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);

    /**
     * What the load generator is doing.
     *
     * @param running     whether its clients are calling now
     * @param clients     the clients of the current (or last) run
     * @param pauseMillis each client's pause between two calls
     * @param startedAt   when the run started, or {@code null} if none ever did
     * @param stopsAt     when the run stops by itself, or {@code null} if none ever started
     * @param requests    calls that succeeded in this run
     * @param errors      calls that failed in this run
     * @param lastError   the last failure's type and message, or {@code null}
     */
    public record Status(boolean running, int clients, long pauseMillis, Instant startedAt, Instant stopsAt,
                         long requests, long errors, String lastError) {
    }

    private final BackendService<?> service;
    private volatile Run run;

    public LoadGenerator(BackendService<?> service) {
        this.service = service;
    }

    /**
     * Starts {@code clients} clients, stopping the ones running before.
     *
     * @param clients     1 to {@link #MAX_CLIENTS}
     * @param pauseMillis each client's pause between two calls, 0 to {@link #MAX_PAUSE_MILLIS}
     * @return the new status
     * @throws IllegalArgumentException for a count or pause out of range
     */
    public synchronized Status start(int clients, long pauseMillis) {
        if (clients < 1 || clients > MAX_CLIENTS) {
            throw new IllegalArgumentException("clients must be 1 to " + MAX_CLIENTS + ", got " + clients);
        }
        if (pauseMillis < 0 || pauseMillis > MAX_PAUSE_MILLIS) {
            throw new IllegalArgumentException("pause must be 0 to " + MAX_PAUSE_MILLIS + " ms, got " + pauseMillis);
        }
        stop();
        Run next = new Run(clients, pauseMillis);
        run = next;
        next.start();
        log.info("load: {} clients calling echo, {} ms apart, for at most {}", clients, pauseMillis, MAX_DURATION);
        return next.status();
    }

    /**
     * Stops the clients; each finishes the call it is making, then ends.
     *
     * @return the new status
     */
    public synchronized Status stop() {
        Run current = run;
        if (current != null && !current.stopped) {
            current.stopped = true;
            log.info("load stopped after {} calls ({} failed)", current.requests.sum(), current.errors.sum());
        }
        return status();
    }

    public Status status() {
        Run current = run;
        return current == null ? new Status(false, 0, 0, null, null, 0, 0, null) : current.status();
    }

    /** Stops the clients when the context closes, and waits a little for their last calls. */
    @Override
    public void destroy() throws InterruptedException {
        stop();
        Run current = run;
        if (current != null) {
            current.join(Duration.ofSeconds(3));
        }
    }

    /** One start of the load: its threads and counters. */
    private final class Run {

        final int clients;
        final long pauseMillis;
        final Instant startedAt = Instant.now();
        final long deadline = System.nanoTime() + MAX_DURATION.toNanos();
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicReference<String> lastError = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean stopped;

        Run(int clients, long pauseMillis) {
            this.clients = clients;
            this.pauseMillis = pauseMillis;
        }

        void start() {
            for (int i = 0; i < clients; i++) {
                String message = "load-" + (i + 1);
                Thread t = new Thread(() -> loop(message), "load-client-" + (i + 1));
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        boolean expired() {
            return System.nanoTime() - deadline >= 0;
        }

        void loop(String message) {
            while (!stopped && !expired()) {
                long pause = pauseMillis;
                try {
                    service.echo(message);
                    requests.increment();
                } catch (RuntimeException e) {
                    errors.increment();
                    lastError.set(e.getClass().getSimpleName() + ": " + e.getMessage());
                    pause = Math.max(pause, ERROR_PAUSE_MILLIS);
                }
                if (pause > 0) {
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        void join(Duration patience) throws InterruptedException {
            long end = System.nanoTime() + patience.toNanos();
            for (Thread t : threads) {
                long left = end - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            }
        }

        Status status() {
            boolean running = !stopped && !expired() && threads.stream().anyMatch(Thread::isAlive);
            return new Status(running, clients, pauseMillis, startedAt, startedAt.plus(MAX_DURATION),
                    requests.sum(), errors.sum(), lastError.get());
        }
    }
}
