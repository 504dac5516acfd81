package dev.connpool;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Run by {@link SlowConnectTest} in a JVM of its own (it may hang every virtual thread of the JVM): one
 * server with max-active 1 whose connect takes {@value #CONNECT_MILLIS} ms; a first borrower starts that
 * connect, then {@code waiters} more borrow (max-wait {@value #MAX_WAIT_MILLIS} ms) while it is under way.
 * Each must end, with a lease or a {@link PoolTimeoutException}, within max-wait plus the connect time.
 *
 * <p>Arguments: {@code virtual} or {@code platform}, and the number of waiters. Prints one line per
 * borrower and {@code DONE}, exit code 0; or, when the borrowers are not done within
 * {@value #LIMIT_SECONDS} s, a dump of every thread (virtual ones included, on JDK 21+), {@code STUCK},
 * exit code 2.
 */
public final class SlowConnectScenario {

    static final long CONNECT_MILLIS = 500;
    static final long MAX_WAIT_MILLIS = 20;
    static final long LIMIT_SECONDS = 10;

    private SlowConnectScenario() {
    }

    public static void main(String[] args) throws Exception {
        boolean virtual = args[0].equals("virtual");
        int waiters = Integer.parseInt(args[1]);
        TestServer server = TestServer.start();
        CountDownLatch connecting = new CountDownLatch(1);
        ConnectionFactory<SocketConnection> slow = new ForwardingFactory<>(SocketConnectionFactory.builder().build()) {
            @Override
            public SocketConnection create(ServerAddress s) throws Exception {
                connecting.countDown();
                Thread.sleep(CONNECT_MILLIS); // a slow connect (a far or overloaded server, a TLS handshake): the thread parks
                return super.create(s);
            }
        };
        MultiPool<SocketConnection> pool = MultiPool.builder(slow).name("slow-connect").servers(List.of(server.address()))
                .maxActive(1).maxWait(Duration.ofMillis(MAX_WAIT_MILLIS)).retryAttempts(1).build();
        ExecutorService borrowers = virtual ? VirtualThreads.executor("borrower", 0) : Executors.newCachedThreadPool();
        List<Future<String>> results = new ArrayList<>();
        results.add(borrowers.submit(() -> borrow(pool, 100)));
        connecting.await();
        for (int i = 0; i < waiters; i++) {
            results.add(borrowers.submit(() -> borrow(pool, 0)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        try {
            for (Future<String> f : results) {
                System.out.println(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
        } catch (TimeoutException e) {
            System.out.println(threadDump());
            System.out.println("STUCK: borrowers not done within " + LIMIT_SECONDS + " s");
            System.out.flush();
            Runtime.getRuntime().halt(2);
        }
        System.out.println("DONE");
        pool.close();
        server.close();
        System.exit(0);
    }

    private static String borrow(MultiPool<SocketConnection> pool, long holdMillis) throws InterruptedException {
        long start = System.nanoTime();
        String kind = VirtualThreads.currentIsVirtual() ? "virtual" : "platform";
        try (Lease<SocketConnection> lease = pool.borrow()) {
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Thread.sleep(holdMillis);
            return kind + " borrower: lease after " + took + " ms";
        } catch (PoolException e) {
            return kind + " borrower: " + e.getClass().getSimpleName() + " after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms";
        }
    }

    /** Every thread, virtual ones included where the JDK can (HotSpotDiagnosticMXBean.dumpThreads, JDK 21+). */
    private static String threadDump() {
        try {
            Object bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
            Method dump = com.sun.management.HotSpotDiagnosticMXBean.class.getMethod("dumpThreads", String.class, format);
            Path file = Files.createTempFile("slow-connect-threads", ".txt");
            Files.delete(file);
            dump.invoke(bean, file.toString(), format.getEnumConstants()[0]);
            String text = Files.readString(file);
            Files.delete(file);
            return text;
        } catch (ReflectiveOperationException | java.io.IOException e) {
            StringBuilder out = new StringBuilder();
            Thread.getAllStackTraces().forEach((t, stack) -> {
                out.append(t).append('\n');
                for (StackTraceElement frame : stack) {
                    out.append("    at ").append(frame).append('\n');
                }
            });
            return out.toString();
        }
    }
}
