package dev.connpool.benchmarks;

import dev.connpool.Balancer;
import dev.connpool.ConnectionFactory;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code borrow()} + {@code close()} on 3 servers x 8 warm in-memory connections, one thread, timed in the
 * thread's <em>CPU</em> time rather than wall-clock time: on this project's shared 2-core machine JMH's wall-clock
 * figures swing by 15% and more from fork to fork, while CPU time per op repeats within about 1%. Prints the
 * median, min and max ns per op of rounds 11 to 25 (5 M ops each; the first ten warm up).
 *
 * <p>It uses only the API every build since the first one has ({@code MultiPool.builder(factory).servers(..)
 * .maxActive(..).balancer(..).build()}, {@code Balancer.leastActive()}, {@code borrow()}, {@code Lease}), so that the same source compiles against an older
 * build's jar and two builds can be compared in one run, alternating; see {@code docs/benchmarks.md}. The
 * balancer is least-active (the default of the builds compared for issue 11) unless
 * {@code -Dbalancer=leastLatency} (or another {@link Balancer} factory method) says otherwise.
 */
public final class CpuTimePerOp {

    private static final int OPS = 5_000_000;
    private static final int WARMUP_ROUNDS = 10;
    private static final int ROUNDS = 15;

    private CpuTimePerOp() {
    }

    /**
     * The balancer of that factory method of {@link Balancer} ({@code leastActive}, the default of the builds this
     * compares, or e.g. {@code leastLatency}), found by reflection so that the source still compiles against a
     * build that lacks the newer ones.
     */
    private static Balancer balancer(String factoryMethod) {
        try {
            return (Balancer) Balancer.class.getMethod(factoryMethod).invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("no balancer Balancer." + factoryMethod + "() in this build", e);
        }
    }

    /**
     * Runs the measurement and prints one line.
     *
     * @param args none
     * @throws InterruptedException when interrupted while waiting for the threads of a round
     */
    public static void main(String[] args) throws InterruptedException {
        ConnectionFactory<Object> factory = new ConnectionFactory<>() {
            @Override
            public Object create(ServerAddress server) {
                return new Object();
            }

            @Override
            public void destroy(ServerAddress server, Object connection) {
                // nothing to close
            }
        };
        List<ServerAddress> servers = List.of(ServerAddress.of("10.0.0.1", 1), ServerAddress.of("10.0.0.2", 1),
                ServerAddress.of("10.0.0.3", 1));
        MultiPool<Object> pool = MultiPool.builder(factory).name("cpu").servers(servers).maxActive(8)
                .balancer(balancer(System.getProperty("balancer", "leastActive"))).build();
        try {
            for (ServerAddress s : servers) { // every connection made and parked before timing
                List<Lease<Object>> held = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    held.add(pool.borrow(s));
                }
                held.forEach(Lease::close);
            }
            int threads = Integer.getInteger("threads", 1);
            if (threads > 1) {
                report(threads, threaded(pool, threads));
                return;
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            double[] nanosPerOp = new double[ROUNDS];
            int sink = 0;
            for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                long cpu = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < OPS; i++) {
                    Lease<Object> lease = pool.borrow();
                    if (lease.connection() == null) {
                        sink++;
                    }
                    lease.close();
                }
                long spent = mx.getCurrentThreadCpuTime() - cpu;
                if (round >= WARMUP_ROUNDS) {
                    nanosPerOp[round - WARMUP_ROUNDS] = (double) spent / OPS;
                }
            }
            if (sink < 0) {
                System.out.println(sink);
            }
            report(1, nanosPerOp);
        } finally {
            pool.close();
        }
    }

    private static void report(int threads, double[] nanosPerOp) {
        Arrays.sort(nanosPerOp);
        System.out.printf("borrow()+close() CPU ns/op%s: median %.1f (min %.1f, max %.1f)%n",
                threads == 1 ? "" : " (" + threads + " threads, all their CPU time)",
                nanosPerOp[ROUNDS / 2], nanosPerOp[0], nanosPerOp[ROUNDS - 1]);
    }

    /**
     * The rounds with {@code threads} threads ({@code -Dthreads=8}), each doing its share of a round's ops: the
     * CPU time of all of them per op, waiting for a connection and contention on shared state included.
     */
    private static double[] threaded(MultiPool<Object> pool, int threads) throws InterruptedException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int perThread = OPS / threads;
        double[] nanosPerOp = new double[ROUNDS];
        for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
            AtomicLong cpu = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(new Thread(() -> {
                    long start = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < perThread; i++) {
                        pool.borrow().close();
                    }
                    cpu.addAndGet(mx.getCurrentThreadCpuTime() - start);
                }));
            }
            workers.forEach(Thread::start);
            for (Thread w : workers) {
                w.join();
            }
            if (round >= WARMUP_ROUNDS) {
                nanosPerOp[round - WARMUP_ROUNDS] = (double) cpu.get() / ((long) perThread * threads);
            }
        }
        return nanosPerOp;
    }
}
