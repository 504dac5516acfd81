package dev.connpool.benchmarks.fault;

import dev.connpool.Balancer;
import dev.connpool.MultiPool;
import dev.connpool.PoolListener;
import dev.connpool.PoolSettings;
import dev.connpool.ServerAddress;
import dev.connpool.ServerCallback;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Runs one phase with one balancer: resets the servers and puts the steady fault in place, builds a pool on
 * default settings (but for the balancer and the {@code --set} ones) over the counting socket factory (with the
 * line protocol's {@code PING} probe unless {@code --probe off}), has the
 * callers call {@code execute()} through the warm-up and the measurement while the fault takes its course, and
 * closes the pool. A new pool per phase, so no phase inherits another's ejections.
 */
final class PhaseRunner {

    static final byte[] PING = "PING\n".getBytes(StandardCharsets.US_ASCII);

    private final FaultOptions options;
    private final List<LineServer> servers;
    private final List<ServerAddress> addresses;

    PhaseRunner(FaultOptions options, List<LineServer> servers) {
        this.options = options;
        this.servers = List.copyOf(servers);
        this.addresses = servers.stream().map(LineServer::address).toList();
    }

    PhaseResult run(String balancer, Fault fault) throws IOException, InterruptedException {
        for (LineServer s : servers) {
            s.reset();
        }
        fault.before(servers, options);
        Map<String, String> poolSettings = new LinkedHashMap<>(options.settings());
        SocketConnectionFactory.Builder socket = SocketConnectionFactory.builder().readTimeout(options.readTimeout());
        poolSettings.remove("socket.probe.request"); // the factory's, as the starter's keys say
        poolSettings.remove("socket.probe.reply");
        String[] probe = options.probeLine();
        if (probe != null) {
            socket.probe(probe[0], probe[1]);
        }
        CountingFactory factory = new CountingFactory(socket.build());
        AtomicReference<PhaseRecorder> listening = new AtomicReference<>();
        MultiPool.Builder<SocketConnection> builder = MultiPool.builder(factory)
                .name("fault-" + fault.key)
                .servers(addresses)
                .listener(new PoolListener() {
                    @Override
                    public void serverEjected(String pool, ServerAddress server, Duration duration, Throwable last) {
                        listening.get().poolEvent(server, true);
                    }

                    @Override
                    public void serverReadmitted(String pool, ServerAddress server) {
                        listening.get().poolEvent(server, false);
                    }
                });
        List<ExecutorService> executors = BuilderSettings.apply(builder, poolSettings);
        builder.balancer(Balancer.named(balancer));
        Duration slow = Duration.ofNanos((long) (options.readTimeout().toNanos() * PhaseResult.SLOW));
        PhaseRecorder recorder = new PhaseRecorder(System.nanoTime() + options.warmup().toNanos(),
                fault.measureFor(options), slow, addresses);
        listening.set(recorder);
        MultiPool<SocketConnection> pool = builder.build();
        AtomicReference<IOException> courseFailure = new AtomicReference<>();
        try {
            Thread course = new Thread(() -> course(fault, recorder, courseFailure), "fault-course");
            course.setDaemon(true);
            course.start();
            List<Thread> callers = new ArrayList<>();
            for (int i = 0; i < options.threads(); i++) {
                Thread caller = new Thread(() -> call(pool, recorder), "fault-caller-" + i);
                caller.setDaemon(true);
                callers.add(caller);
                caller.start();
            }
            long patience = options.warmup().plus(fault.measureFor(options)).plusSeconds(60).toMillis();
            for (Thread caller : callers) {
                caller.join(patience);
                if (caller.isAlive()) {
                    throw new IllegalStateException(caller.getName() + " still calls after " + patience + " ms");
                }
            }
            course.join(patience);
            if (courseFailure.get() != null) {
                throw new IllegalStateException("the fault's course failed: " + courseFailure.get(), courseFailure.get());
            }
        } finally {
            pool.close();
            executors.forEach(ExecutorService::shutdownNow);
        }
        PoolSettings settings = pool.settings();
        Object window = BuilderSettings.setting(settings.toMap(), "slow-start.window");
        List<Long> openedAt = factory.openedAt(addresses.get(0));
        return PhaseResult.of(balancer, fault, recorder, Recovery.of(recorder, 0, fault.events(options), openedAt),
                factory.opened(), factory.destroyed(), settings.limits().maxActive(),
                settings.ejection().consecutiveFailures(), window instanceof Duration d ? d : Duration.ZERO, openedAt);
    }

    /** A caller: calls until the measurement is over, recording the calls that started within it. */
    private static void call(MultiPool<SocketConnection> pool, PhaseRecorder recorder) {
        Histogram own = PhaseRecorder.newHistogram();
        try {
            while (true) {
                long start = System.nanoTime();
                if (recorder.over(start)) {
                    return;
                }
                boolean measured = recorder.measures(start);
                if (measured) {
                    recorder.started();
                }
                AtomicInteger attempts = CallAttempts.begin();
                try {
                    ServerAddress server = pool.execute((ServerCallback<SocketConnection, ServerAddress>) (c, s) -> {
                        attempts.incrementAndGet();
                        ping(c);
                        return s;
                    });
                    if (measured) {
                        recorder.succeeded(server, start, System.nanoTime(), attempts.get(), own);
                    }
                } catch (RuntimeException e) {
                    if (measured) {
                        recorder.failed(e, start, System.nanoTime(), attempts.get(), own);
                    }
                } finally {
                    CallAttempts.end();
                }
            }
        } finally {
            recorder.merge(own);
        }
    }

    /** One request and its answer; anything but {@code PONG} is an {@link IOException}. */
    static void ping(SocketConnection connection) throws IOException {
        OutputStream out = connection.output();
        out.write(PING);
        out.flush();
        InputStream in = connection.input();
        for (byte expected : LineServer.PONG) {
            int b = in.read();
            if (b != expected) {
                throw new IOException("unexpected answer byte " + b);
            }
        }
    }

    /** Carries out the fault's events at their times; a failure is left in {@code failure}. */
    private void course(Fault fault, PhaseRecorder recorder, AtomicReference<IOException> failure) {
        try {
            for (Fault.FaultEvent event : fault.events(options)) {
                long due = recorder.startNanos() + event.at().toNanos();
                for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
                event.action().apply(servers.get(event.server()));
            }
        } catch (IOException e) {
            failure.set(e);
        }
    }
}
