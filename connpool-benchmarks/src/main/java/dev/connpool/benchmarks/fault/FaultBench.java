package dev.connpool.benchmarks.fault;

import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * The fault benchmark of issue 14: loopback servers that turn slow, hang, go down or flap, 16 threads calling
 * {@code execute()} on a pool of default settings, every balancer; per phase the latency percentiles, caller
 * errors, each server's share, attempts per call, calls as slow as the read timeout, and how a returning server
 * is taken back. A plain harness, not JMH (a phase is a course of events, not a steady loop):
 *
 * <pre>
 * java -cp connpool-benchmarks/target/benchmarks.jar dev.connpool.benchmarks.fault.FaultBench \
 *     [--balancers least-latency,least-active,round-robin,random] [--phases healthy,slow10,slow100,hang,two-down,flapping] \
 *     [--set slow-start.window=5s]... [--runs 3] [--out DIR]
 * </pre>
 *
 * <p>Balancers are taken by the names {@code Balancer.named} accepts and {@code --set} calls any one-parameter
 * builder setter by its YAML key ({@link BuilderSettings}), so a balancer or a setting added to the pool later
 * is measured without a change here. See {@link FaultOptions#USAGE} for the timing options. The report
 * (Markdown, one table per balancer with the targets as PASS/FAIL lines) goes to stdout and DIR/report.md
 * (default {@code connpool-benchmarks/target/fault}); one progress line per phase goes to stderr.
 */
public final class FaultBench {

    private FaultBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args the options ({@link FaultOptions#USAGE})
     * @throws Exception when a phase cannot be run
     */
    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.log.dev.connpool") == null) {
            // every ejection is a warning: hundreds per run
            System.setProperty("org.slf4j.simpleLogger.log.dev.connpool", "error");
        }
        FaultOptions options;
        try {
            options = watchingSlowStart(FaultOptions.parse(args)); // builds a pool: a bad --set fails here
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Instant started = Instant.now();
        Map<String, Map<Fault, Runs>> results = run(options, r -> System.err.println(progress(r)));
        String command = "java -cp connpool-benchmarks/target/benchmarks.jar " + FaultBench.class.getName()
                + (args.length == 0 ? "" : " " + String.join(" ", args));
        String report = report(options, command, started, results);
        Files.createDirectories(options.out());
        Files.writeString(options.out().resolve("report.md"), report, StandardCharsets.UTF_8);
        System.out.println(report);
        System.out.println("(report written to " + options.out().resolve("report.md") + ")");
    }

    /** Every phase with every balancer, {@code runs} times: balancer -> phase -> the runs. */
    static Map<String, Map<Fault, Runs>> run(FaultOptions options, Consumer<PhaseResult> progress)
            throws IOException, InterruptedException {
        Map<String, Map<Fault, List<PhaseResult>>> all = new LinkedHashMap<>();
        List<LineServer> servers = new ArrayList<>();
        try {
            for (int i = 0; i < options.servers(); i++) {
                servers.add(LineServer.start(i, options.baseDelay()));
            }
            PhaseRunner runner = new PhaseRunner(options, servers);
            for (int run = 0; run < options.runs(); run++) {
                for (String balancer : options.balancers()) {
                    for (Fault fault : options.faults()) {
                        PhaseResult result = runner.run(balancer, fault);
                        progress.accept(result);
                        all.computeIfAbsent(balancer, b -> new LinkedHashMap<>())
                                .computeIfAbsent(fault, f -> new ArrayList<>()).add(result);
                    }
                }
            }
        } finally {
            servers.forEach(LineServer::close);
        }
        Map<String, Map<Fault, Runs>> runs = new LinkedHashMap<>();
        all.forEach((balancer, phases) -> {
            Map<Fault, Runs> byFault = new LinkedHashMap<>();
            phases.forEach((fault, results) -> byFault.put(fault, new Runs(results)));
            runs.put(balancer, byFault);
        });
        return runs;
    }

    static String report(FaultOptions options, String command, Instant started, Map<String, Map<Fault, Runs>> results) {
        FaultReport report = new FaultReport();
        report.header(options, command, started);
        results.forEach((balancer, phases) ->
                report.balancer(balancer, options, phases, FaultTargets.check(options, phases)));
        return report.text();
    }

    /**
     * The options with a watch long enough to see a slow start end (its window + 3 s), when the pool the
     * settings make has a {@code slow-start.window}.
     */
    static FaultOptions watchingSlowStart(FaultOptions options) {
        MultiPool.Builder<SocketConnection> builder = MultiPool.builder(SocketConnectionFactory.builder().build())
                .name("fault-settings");
        List<ExecutorService> executors = BuilderSettings.apply(builder, options.settings());
        Object window;
        try (MultiPool<SocketConnection> pool = builder.build()) {
            window = BuilderSettings.setting(pool.settings().toMap(), "slow-start.window");
        } finally {
            executors.forEach(ExecutorService::shutdownNow);
        }
        if (window instanceof Duration d && d.plusSeconds(3).compareTo(options.watch()) > 0) {
            return options.withWatch(d.plusSeconds(3));
        }
        return options;
    }

    static String progress(PhaseResult r) {
        List<String> shares = new ArrayList<>();
        for (double s : r.shares()) {
            shares.add(String.format(Locale.ROOT, "%.1f", s * 100));
        }
        return String.format(Locale.ROOT, "%-12s %-9s calls %6d  p50 %6.2f  p99 %7.2f  p99.9 %7.1f  max %6.0f ms"
                        + "  errors %d  shares %s%%  attempts/call %.3f  slow %d (%d waves)  ejections %d  %s",
                r.balancer(), r.fault().key, r.calls(), r.p50(), r.p99(), r.p999(), r.max(), r.failed(),
                String.join("/", shares), r.attemptsPerCall(), r.slowCalls(), r.slowCallWaves(), r.ejections(),
                r.recoveries()) + (r.fault() == Fault.HEALTHY ? "" : "\n    " + r.course());
    }
}
