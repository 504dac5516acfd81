package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Borrowers that wait while a connection to a full server is being made (a slow connect). commons-pool2
 * 2.13.x ({@code GenericKeyedObjectPool.create(key, Duration)}) makes them wait for that connect with
 * {@code makeObjectCountLock.wait(remaining)}, but once their max-wait is used up the remaining time is
 * negative, the wait is skipped, and the loop spins until the connect ends: a busy loop on a CPU for up to
 * the connect time. On virtual threads the spinning borrower holds its carrier; with as many spinners as
 * carriers (one on a one-CPU machine or container) the thread that connects never runs again, and every
 * virtual thread of the JVM hangs for good.
 */
class SlowConnectTest {

    private static final long CONNECT_MILLIS = 800;

    private TestServer server;
    private MultiPool<SocketConnection> pool;

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBorrowerWaitingForAConnectInProgressDoesNotBurnACpu() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assertThat(threads.isCurrentThreadCpuTimeSupported()).isTrue();
        threads.setThreadCpuTimeEnabled(true);
        server = TestServer.start();
        CountDownLatch connecting = new CountDownLatch(1);
        ConnectionFactory<SocketConnection> slow = new ForwardingFactory<>(SocketConnectionFactory.builder().build()) {
            @Override
            public SocketConnection create(ServerAddress s) throws Exception {
                connecting.countDown();
                Thread.sleep(CONNECT_MILLIS); // a slow connect: the thread sleeps, using no CPU
                return super.create(s);
            }
        };
        pool = MultiPool.builder(slow).name("slow-connect").servers(List.of(server.address()))
                .maxActive(1).maxWait(Duration.ofMillis(50)).retryAttempts(1).build();
        Thread first = new Thread(() -> pool.borrow().close(), "first-borrower");
        first.start();
        connecting.await();

        AtomicReference<String> outcome = new AtomicReference<>();
        long[] wallAndCpu = new long[2];
        Thread waiter = new Thread(() -> {
            long wall = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime();
            try (Lease<SocketConnection> lease = pool.borrow()) {
                outcome.set("a lease");
            } catch (PoolException e) {
                outcome.set(e.getClass().getSimpleName());
            }
            wallAndCpu[0] = System.nanoTime() - wall;
            wallAndCpu[1] = threads.getCurrentThreadCpuTime() - cpu;
        }, "waiting-borrower");
        waiter.start();
        waiter.join(10_000);
        first.join(10_000);

        long wallMillis = TimeUnit.NANOSECONDS.toMillis(wallAndCpu[0]);
        long cpuMillis = TimeUnit.NANOSECONDS.toMillis(wallAndCpu[1]);
        System.out.println("SlowConnectTest: the waiting borrower got " + outcome.get() + " after " + wallMillis
                + " ms, using " + cpuMillis + " ms of CPU");
        assertThat(outcome.get()).as("the waiter's borrow ended").isNotNull();
        assertThat(wallMillis).as("within max-wait + the connect time (+ margin)").isLessThan(50 + CONNECT_MILLIS + 1_000);
        // Waiting (parked) costs microseconds of CPU; a busy loop costs the whole wait.
        assertThat(cpuMillis).as("CPU used by a borrower that waited %d ms for a connect in progress", wallMillis)
                .isLessThan(100);
    }

    static Stream<String> threadKinds() {
        return Stream.of(VirtualThreads.available()
                ? "virtual threads, one carrier thread (JDK " + Runtime.version().feature() + ")"
                : "platform threads (JDK " + Runtime.version().feature() + " has no virtual threads)");
    }

    /**
     * {@link SlowConnectScenario} in a JVM of its own, on virtual threads with one carrier (what a JVM on
     * one CPU has), killed if it does not end.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("threadKinds")
    void borrowersWaitingForASlowConnectLetItFinish(String kind) throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path")));
        if (VirtualThreads.available()) {
            command.add("-Djdk.virtualThreadScheduler.parallelism=1");
        }
        command.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", SlowConnectScenario.class.getName(),
                VirtualThreads.available() ? "virtual" : "platform", "1"));
        Path log = Files.createTempFile("slow-connect", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = process.waitFor(SlowConnectScenario.LIMIT_SECONDS + 20, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = output(log);
        System.out.println("SlowConnectTest, " + kind + ":\n" + output);
        String outcome = outcome(output);
        assertThat(ended).as("the scenario's JVM ended by itself: %s", outcome).isTrue();
        assertThat(output.contains("DONE") && !output.contains("STUCK")).as("borrowers done: %s", outcome).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    /** The borrowers' lines, the verdict, and where each runnable virtual thread of the dump is in commons-pool2. */
    private static String outcome(String output) {
        List<String> lines = output.lines().toList();
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.contains("borrower:") || line.startsWith("STUCK") || line.equals("DONE")) {
                kept.add(line);
            } else if (line.contains("virtual RUNNABLE")) {
                String frame = "?";
                for (int j = i + 1; j < Math.min(lines.size(), i + 12) && !lines.get(j).isBlank(); j++) {
                    frame = lines.get(j).trim();
                    if (frame.contains("commons.pool2")) {
                        break;
                    }
                }
                kept.add("a virtual thread runs (holding the only carrier) " + frame);
            }
        }
        return String.join("; ", kept);
    }

    private static String output(Path log) throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return text.length() > 20_000 ? text.substring(0, 20_000) + "\n[...]" : text;
    }
}
