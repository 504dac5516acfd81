package dev.connpool.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole suite in one go and writes the report (Markdown) that {@code docs/benchmarks.md} quotes:
 *
 * <ol>
 *   <li>{@code peers}: {@link PeerBenchmark} at 1, 8 and 32 threads, throughput with {@code -prof gc};
 *   <li>{@code fairness}: the pools that wait, at 32 threads in sample-time mode (percentiles of one
 *       borrow+return, the wait included);
 *   <li>{@code scale}: {@link ScaleBenchmark} (3/100/1000 servers x every balancer, 1 thread) and its baselines
 *       {@link ScaleBaselineBenchmark}, with {@code -prof gc};
 *   <li>{@code memory}: {@link MemoryFootprint} in a JVM of its own ({@code -XX:+UseSerialGC});
 *   <li>{@code e2e}: {@link EndToEndBenchmark} at 1 and 8 threads;
 *   <li>{@code anatomy}: {@link AnatomyBenchmark}, the parts of a commons-pool2 borrow + return, with {@code -prof gc}.
 * </ol>
 *
 * <p>Every JMH run: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement (the benchmarks' own annotations).
 * {@code java -cp connpool-benchmarks/target/benchmarks.jar dev.connpool.benchmarks.Suite [--parts
 * peers,fairness,scale,memory,e2e,anatomy] [--out DIR] [--quick]}. {@code --quick} (1 x 100 ms each) only checks that
 * everything runs; its numbers mean nothing. The report goes to stdout and DIR/report.md (default
 * {@code connpool-benchmarks/target/suite}), JMH's own results to DIR/*.json.
 */
public final class Suite {

    static final List<String> ALL_PARTS = List.of("peers", "fairness", "scale", "memory", "e2e", "anatomy");
    static final int[] PEER_THREADS = {1, 8, 32};
    static final int[] E2E_THREADS = {1, 8};

    /** The rows of the peer table, in order: benchmark method, label. */
    static final Map<String, String> PEERS = new LinkedHashMap<>();

    static {
        PEERS.put("multiPoolBorrow", "connpool `MultiPool.borrow()` + `close()` (round-robin)");
        PEERS.put("multiPoolBorrowServer", "connpool `MultiPool.borrow(server)` + `close()`");
        PEERS.put("multiPoolExecute", "connpool `MultiPool.execute(no-op)`");
        PEERS.put("multiPoolBorrowMaxTotal", "connpool `MultiPool.borrow()` + `close()` with max-total (no fast path)");
        PEERS.put("commonsPool2AdapterSettings", "commons-pool2 2.13.1 `GenericKeyedObjectPool`, connpool's settings");
        PEERS.put("commonsPool2Defaults", "commons-pool2 2.13.1 `GenericKeyedObjectPool`, defaults");
        PEERS.put("commonsPool2DefaultsNoDetailedStats", "same, `collectDetailedStatistics=false`");
        PEERS.put("httpCore5Strict", "HttpCore5 5.4.3 `StrictConnPool`");
        PEERS.put("httpCore5Lax", "HttpCore5 5.4.3 `LaxConnPool`");
        PEERS.put("hikariConcurrentBag", "HikariCP 7.0.2 `ConcurrentBag` (one per key)");
        PEERS.put("floorQueue", "floor: `ConcurrentLinkedQueue` per key");
    }

    static final List<String> FAIRNESS = List.of("multiPoolBorrow", "multiPoolBorrowServer",
            "commonsPool2AdapterSettings", "commonsPool2Defaults", "httpCore5Strict", "hikariConcurrentBag");

    private final Path out;
    private final boolean quick;
    private final StringBuilder report = new StringBuilder();

    private Suite(Path out, boolean quick) {
        this.out = out;
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        Set<String> parts = new LinkedHashSet<>(ALL_PARTS);
        Path out = Paths.get("connpool-benchmarks", "target", "suite");
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--parts":
                    parts = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    if (!ALL_PARTS.containsAll(parts)) {
                        throw new IllegalArgumentException("--parts: some of " + ALL_PARTS);
                    }
                    break;
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                case "--quick":
                    quick = true;
                    break;
                default:
                    throw new IllegalArgumentException("usage: Suite [--parts " + String.join(",", ALL_PARTS)
                            + "] [--out DIR] [--quick]; unknown: " + args[i]);
            }
        }
        Files.createDirectories(out);
        Suite suite = new Suite(out, quick);
        suite.machine();
        for (String part : ALL_PARTS) {
            if (parts.contains(part)) {
                switch (part) {
                    case "peers" -> suite.peers();
                    case "fairness" -> suite.fairness();
                    case "scale" -> suite.scale();
                    case "memory" -> suite.memory();
                    case "e2e" -> suite.endToEnd();
                    case "anatomy" -> suite.anatomy();
                    default -> throw new AssertionError(part);
                }
                suite.save();
            }
        }
        System.out.println();
        System.out.println(suite.report);
        System.out.println("(report written to " + out.resolve("report.md") + ")");
    }

    private void save() throws IOException {
        Files.writeString(out.resolve("report.md"), report, StandardCharsets.UTF_8);
    }

    private void line(String format, Object... args) {
        report.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    // ---- the machine -----------------------------------------------------------------------------------

    private void machine() {
        line("## Machine");
        line("");
        line("- started: %s", Instant.now().truncatedTo(ChronoUnit.SECONDS));
        line("- processors (`nproc`): %d", Runtime.getRuntime().availableProcessors());
        line("- CPU: %s", cpuModel());
        line("- JDK: %s %s (%s), %s", System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vendor"), System.getProperty("java.home"));
        line("- OS: %s %s %s", System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"));
        line("- JMH: 1 fork, %s, default JVM options of the forks", quick ? "QUICK MODE (1 x 100 ms): numbers mean nothing"
                : "3 x 1 s warm-up, 5 x 1 s measurement");
        line("- connpool-core: %s", coreCheck());
        line("");
    }

    /**
     * Whether the connpool-core in this jar is the one in {@code connpool-core/target/classes} of the working
     * directory: {@code -pl connpool-benchmarks} without {@code -am} shades whatever connpool-core snapshot the
     * local Maven repository holds, maybe an old one.
     */
    private static String coreCheck() {
        Path classes = Paths.get("connpool-core", "target", "classes", "dev", "connpool");
        if (!Files.isDirectory(classes)) {
            return "not checked (no connpool-core/target/classes here)";
        }
        List<String> differ = new ArrayList<>();
        try (var files = Files.list(classes)) {
            for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".class"))::iterator) {
                try (var in = Suite.class.getResourceAsStream("/dev/connpool/" + f.getFileName())) {
                    if (in == null || !Arrays.equals(in.readAllBytes(), Files.readAllBytes(f))) {
                        differ.add(f.getFileName().toString());
                    }
                }
            }
        } catch (IOException e) {
            return "not checked (" + e + ")";
        }
        if (differ.isEmpty()) {
            return "the classes of connpool-core/target/classes";
        }
        String warning = "**NOT the classes of connpool-core/target/classes** (" + differ.size() + " differ, e.g. "
                + differ.get(0) + "): rebuild with -am";
        System.err.println("WARNING: benchmarks.jar holds a connpool-core that is " + warning);
        return warning;
    }

    private static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    // ---- running JMH -----------------------------------------------------------------------------------

    private ChainedOptionsBuilder options(String include, String name) {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .forks(1)
                .shouldFailOnError(true)
                .result(out.resolve(name + ".json").toString())
                .resultFormat(ResultFormatType.JSON);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(100))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(100));
        }
        return options;
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        Collection<RunResult> results = new Runner(options.build()).run();
        if (results.isEmpty()) {
            throw new IllegalStateException("JMH ran nothing");
        }
        return results;
    }

    private static String method(RunResult r) {
        String benchmark = r.getParams().getBenchmark();
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    /** Bytes allocated per operation ({@code gc.alloc.rate.norm} of {@code -prof gc}), NaN without it. */
    private static double bytesPerOp(RunResult r) {
        for (String key : r.getSecondaryResults().keySet()) {
            if (key.endsWith("gc.alloc.rate.norm")) {
                return r.getSecondaryResults().get(key).getScore();
            }
        }
        return Double.NaN;
    }

    private static String withError(double score, double error, String format) {
        String s = String.format(Locale.ROOT, format, score);
        return Double.isNaN(error) ? s : s + " ± " + String.format(Locale.ROOT, format, error);
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }

    // ---- peers -----------------------------------------------------------------------------------------

    /** method -> threads -> result */
    private final Map<String, Map<Integer, RunResult>> peerResults = new LinkedHashMap<>();

    private void peers() throws RunnerException {
        for (int threads : PEER_THREADS) {
            for (RunResult r : run(options(PeerBenchmark.class.getName() + "\\.", "peers-t" + threads)
                    .threads(threads)
                    .mode(Mode.Throughput)
                    .timeUnit(TimeUnit.MICROSECONDS)
                    .addProfiler(GCProfiler.class))) {
                peerResults.computeIfAbsent(method(r), m -> new LinkedHashMap<>()).put(threads, r);
            }
        }
        line("## Borrow + return of an idle connection, side by side");
        line("");
        line("3 servers x 8 warm connections, key chosen round-robin, no I/O; throughput in ops/us (± the 99.9%%");
        line("confidence interval JMH reports), ns/op = 1000 / the 1-thread throughput, B/op from `-prof gc`");
        line("(1 / 8 / 32 threads).");
        line("");
        line("| pool | 1 thread ops/us | 8 threads | 32 threads | ns/op (1 thread) | B/op (1 / 8 / 32 threads) |");
        line("| --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, String> row : PEERS.entrySet()) {
            Map<Integer, RunResult> byThreads = peerResults.get(row.getKey());
            if (byThreads == null) {
                continue;
            }
            StringBuilder cells = new StringBuilder("| " + row.getValue() + " | ");
            for (int threads : PEER_THREADS) {
                RunResult r = byThreads.get(threads);
                cells.append(r == null ? "-" : withError(r.getPrimaryResult().getScore(),
                        r.getPrimaryResult().getScoreError(), "%.2f")).append(" | ");
            }
            RunResult one = byThreads.get(1);
            cells.append(one == null ? "-" : String.format(Locale.ROOT, "%.0f", 1000 / one.getPrimaryResult().getScore()));
            cells.append(" | ");
            List<String> bytes = new ArrayList<>();
            for (int threads : PEER_THREADS) {
                RunResult r = byThreads.get(threads);
                bytes.add(r == null ? "-" : String.format(Locale.ROOT, "%.0f", bytesPerOp(r)));
            }
            cells.append(String.join(" / ", bytes)).append(" |");
            line("%s", cells);
        }
        line("");
        peerTargets();
    }

    private double peerScore(String method, int threads) {
        Map<Integer, RunResult> byThreads = peerResults.get(method);
        RunResult r = byThreads == null ? null : byThreads.get(threads);
        return r == null ? Double.NaN : r.getPrimaryResult().getScore();
    }

    private double peerBytes(String method, int threads) {
        Map<Integer, RunResult> byThreads = peerResults.get(method);
        RunResult r = byThreads == null ? null : byThreads.get(threads);
        return r == null ? Double.NaN : bytesPerOp(r);
    }

    private void peerTargets() {
        line("### Ratios against the targets of issue 6");
        line("");
        line("| target | measured | verdict |");
        line("| --- | --- | --- |");
        for (int threads : new int[] {1, 8}) {
            double r = peerScore("multiPoolBorrow", threads) / peerScore("commonsPool2AdapterSettings", threads);
            line("| `borrow()`+`close()` >= 0.90x raw commons-pool2 (same settings), %d thread%s | %.2fx | %s |",
                    threads, threads == 1 ? "" : "s", r, verdict(r >= 0.90, r / 0.90));
        }
        double extra = peerBytes("multiPoolBorrow", 1) - peerBytes("commonsPool2AdapterSettings", 1);
        line("| `borrow()`+`close()` <= 64 B/op above raw commons-pool2 (1 thread) | %+.0f B/op | %s |", extra,
                extra <= 64 ? "met" : String.format(Locale.ROOT, "missed by %.0f B/op", extra - 64));
        for (int threads : PEER_THREADS) {
            double r = peerScore("multiPoolBorrow", threads) / peerScore("httpCore5Strict", threads);
            line("| `borrow()`+`close()` >= 1.0x HttpCore5 `StrictConnPool`, %d thread%s | %.2fx | %s |",
                    threads, threads == 1 ? "" : "s", r, verdict(r >= 1.0, r));
        }
        line("");
        line("Other ratios (no target): ");
        line("");
        line("| | 1 thread | 8 threads | 32 threads |");
        line("| --- | --- | --- | --- |");
        ratioRow("`borrow(server)` / raw commons-pool2 (same settings)", "multiPoolBorrowServer", "commonsPool2AdapterSettings");
        ratioRow("`execute()` / raw commons-pool2 (same settings)", "multiPoolExecute", "commonsPool2AdapterSettings");
        ratioRow("`borrow()` / raw commons-pool2 (same settings)", "multiPoolBorrow", "commonsPool2AdapterSettings");
        ratioRow("`borrow()` with max-total (no fast path) / raw commons-pool2 (same settings)", "multiPoolBorrowMaxTotal",
                "commonsPool2AdapterSettings");
        ratioRow("`borrow()` / `borrow()` with max-total: what the fast path gains", "multiPoolBorrow", "multiPoolBorrowMaxTotal");
        ratioRow("`borrow(server)` / `StrictConnPool`", "multiPoolBorrowServer", "httpCore5Strict");
        ratioRow("raw commons-pool2 (same settings) / `StrictConnPool`", "commonsPool2AdapterSettings", "httpCore5Strict");
        ratioRow("raw commons-pool2 (same settings) / defaults", "commonsPool2AdapterSettings", "commonsPool2Defaults");
        line("");
    }

    private void ratioRow(String label, String a, String b) {
        StringBuilder cells = new StringBuilder("| " + label + " |");
        for (int threads : PEER_THREADS) {
            cells.append(' ').append(ratio(peerScore(a, threads), peerScore(b, threads))).append(" |");
        }
        line("%s", cells);
    }

    /** "met", or by how much the measured ratio falls short of its target ({@code ofTarget}: measured / target). */
    private static String verdict(boolean met, double ofTarget) {
        return met ? "met" : String.format(Locale.ROOT, "**missed**: %.0f%% of the target", ofTarget * 100);
    }

    // ---- fairness --------------------------------------------------------------------------------------

    private void fairness() throws RunnerException {
        String include = PeerBenchmark.class.getName() + "\\.(" + String.join("|", FAIRNESS) + ")$";
        Map<String, RunResult> results = new LinkedHashMap<>();
        for (RunResult r : run(options(include, "fairness-t32")
                .threads(32)
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS))) {
            results.put(method(r), r);
        }
        line("## Waiting at 32 threads (24 connections)");
        line("");
        line("Sample-time mode: the time of one borrow + return, in us, the wait for a connection included.");
        line("");
        line("| pool | p50 | p99 | p99.9 | p99.99 | max | samples |");
        line("| --- | --- | --- | --- | --- | --- | --- |");
        for (String method : FAIRNESS) {
            RunResult r = results.get(method);
            if (r == null) {
                continue;
            }
            var s = r.getPrimaryResult().getStatistics();
            line("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %d |", PEERS.get(method), s.getPercentile(50),
                    s.getPercentile(99), s.getPercentile(99.9), s.getPercentile(99.99), s.getMax(), s.getN());
        }
        line("");
        if (results.containsKey("multiPoolBorrow") && results.containsKey("commonsPool2AdapterSettings")) {
            double mine = results.get("multiPoolBorrow").getPrimaryResult().getStatistics().getPercentile(99.9);
            double raw = results.get("commonsPool2AdapterSettings").getPrimaryResult().getStatistics().getPercentile(99.9);
            line("Target: p99.9 of `borrow()`+`close()` no worse than raw commons-pool2's (same settings): %.1f us vs"
                    + " %.1f us (%s): %s.", mine, raw, ratio(mine, raw), mine <= raw ? "met"
                    : String.format(Locale.ROOT, "**missed** by %.1f us", mine - raw));
            line("");
        }
    }

    // ---- scale -----------------------------------------------------------------------------------------

    private void scale() throws RunnerException {
        Map<String, Map<Integer, RunResult>> rows = new LinkedHashMap<>();
        String include = "(" + ScaleBenchmark.class.getName() + "|" + ScaleBaselineBenchmark.class.getName() + ")\\.";
        for (RunResult r : run(options(include, "scale").addProfiler(GCProfiler.class))) {
            String row = r.getParams().getBenchmark().startsWith(ScaleBenchmark.class.getName())
                    ? "MultiPool, " + r.getParams().getParam("balancer")
                    : SCALE_BASELINES.get(method(r));
            rows.computeIfAbsent(row, b -> new LinkedHashMap<>())
                    .put(Integer.parseInt(r.getParams().getParam("servers")), r);
        }
        line("## Scale: `borrow()` + `close()` with 3, 100 and 1000 servers (8 warm connections each, 1 thread)");
        line("");
        line("ns/op (± 99.9%% CI); B/op from `-prof gc` at 3 / 100 / 1000 servers. The baselines take the keys in");
        line("turn on a bare pool (`ScaleBaselineBenchmark`): how much of the growth is not MultiPool's own.");
        line("");
        line("| pool, balancer | 3 servers | 100 servers | 1000 servers | 1000 / 3 (target <= 1.2x) | B/op |");
        line("| --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, Map<Integer, RunResult>> e : rows.entrySet()) {
            Map<Integer, RunResult> m = e.getValue();
            boolean baseline = !e.getKey().startsWith("MultiPool");
            StringBuilder cells = new StringBuilder("| " + e.getKey() + " |");
            for (int servers : new int[] {3, 100, 1000}) {
                RunResult r = m.get(servers);
                cells.append(' ').append(r == null ? "-" : withError(r.getPrimaryResult().getScore(),
                        r.getPrimaryResult().getScoreError(), "%.0f")).append(" |");
            }
            if (m.containsKey(3) && m.containsKey(1000)) {
                double r = m.get(1000).getPrimaryResult().getScore() / m.get(3).getPrimaryResult().getScore();
                cells.append(String.format(Locale.ROOT, " %.2fx%s |", r, baseline ? " (no target)" : r <= 1.2 ? ", met"
                        : String.format(Locale.ROOT, ", **missed** by %.0f%%", (r / 1.2 - 1) * 100)));
            } else {
                cells.append(" - |");
            }
            List<String> bytes = new ArrayList<>();
            for (int servers : new int[] {3, 100, 1000}) {
                RunResult r = m.get(servers);
                bytes.add(r == null ? "-" : String.format(Locale.ROOT, "%.0f", bytesPerOp(r)));
            }
            cells.append(' ').append(String.join(" / ", bytes)).append(" |");
            line("%s", cells);
        }
        line("");
    }

    static final Map<String, String> SCALE_BASELINES = Map.of(
            "commonsPool2", "baseline: raw commons-pool2, connpool's settings",
            "floorQueue", "baseline: `ConcurrentLinkedQueue` per key");

    // ---- anatomy ---------------------------------------------------------------------------------------

    private void anatomy() throws RunnerException {
        Map<String, RunResult> results = new LinkedHashMap<>();
        for (RunResult r : run(options(AnatomyBenchmark.class.getName() + "\\.", "anatomy").addProfiler(GCProfiler.class))) {
            results.put(method(r), r);
        }
        line("## Anatomy: the parts of one commons-pool2 borrow + return, each alone (1 thread)");
        line("");
        line("`AnatomyBenchmark`; see its Javadoc for what each part is and how often a borrow + return does it.");
        line("");
        line("| part | ns/op | B/op |");
        line("| --- | --- | --- |");
        for (Map.Entry<String, RunResult> e : results.entrySet()) {
            RunResult r = e.getValue();
            line("| `%s` | %s | %.0f |", e.getKey(), withError(r.getPrimaryResult().getScore(),
                    r.getPrimaryResult().getScoreError(), "%.1f"), bytesPerOp(r));
        }
        line("");
    }

    // ---- memory ----------------------------------------------------------------------------------------

    private void memory() throws IOException, InterruptedException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-XX:+UseSerialGC", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), MemoryFootprint.class.getName(), "all", "1000", "8");
        System.out.println("# memory: " + String.join(" ", command));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = reader.readLine()) != null) {
                System.out.println(l);
                String[] cells = l.split("\t");
                if (cells.length == 6 && !cells[0].equals("pool")) {
                    rows.add(cells);
                }
            }
        }
        if (process.waitFor() != 0 || rows.isEmpty()) {
            throw new IllegalStateException("MemoryFootprint failed (exit " + process.exitValue() + ")");
        }
        line("## Memory the pool holds per idle connection (1000 servers x 8 idle connections)");
        line("");
        line("Heap used after a full GC (`-XX:+UseSerialGC`), before the pool, after building it (servers known,");
        line("no connection) and after warming 8 connections per server; the connection objects themselves are");
        line("made before the first reading, so they are not counted. `MemoryFootprint` in a JVM of its own.");
        line("");
        line("| pool | B per server (built, empty) | B per connection (warm - built) | B per idle connection, all in ((warm - before) / 8000) |");
        line("| --- | --- | --- | --- |");
        for (String[] c : rows) {
            line("| %s | %s | %s | %s |", c[0], c[3], c[4], c[5]);
        }
        line("");
    }

    // ---- end to end ------------------------------------------------------------------------------------

    private void endToEnd() throws RunnerException {
        Map<String, Map<Integer, RunResult>> results = new LinkedHashMap<>();
        for (int threads : E2E_THREADS) {
            for (RunResult r : run(options(EndToEndBenchmark.class.getName() + "\\.", "e2e-t" + threads)
                    .threads(threads))) {
                results.computeIfAbsent(method(r), m -> new LinkedHashMap<>()).put(threads, r);
            }
        }
        line("## End to end on loopback: PING -> PONG, requests per second");
        line("");
        line("| client | 1 thread | 8 threads |");
        line("| --- | --- | --- |");
        Map<String, String> labels = Map.of(
                "pooledExecute", "`MultiPool.execute()` over `SocketConnectionFactory` (1 server, max-active 8)",
                "newConnectionPerRequest", "a new connection per request (same factory: create, request, destroy)");
        for (String method : List.of("pooledExecute", "newConnectionPerRequest")) {
            Map<Integer, RunResult> m = results.get(method);
            if (m == null) {
                continue;
            }
            StringBuilder cells = new StringBuilder("| " + labels.get(method) + " |");
            for (int threads : E2E_THREADS) {
                RunResult r = m.get(threads);
                cells.append(' ').append(r == null ? "-" : withError(r.getPrimaryResult().getScore(),
                        r.getPrimaryResult().getScoreError(), "%.0f")).append(" |");
            }
            line("%s", cells);
        }
        if (results.containsKey("pooledExecute") && results.containsKey("newConnectionPerRequest")) {
            StringBuilder cells = new StringBuilder("| pooled / new connection |");
            for (int threads : E2E_THREADS) {
                cells.append(' ').append(ratio(results.get("pooledExecute").get(threads).getPrimaryResult().getScore(),
                        results.get("newConnectionPerRequest").get(threads).getPrimaryResult().getScore())).append(" |");
            }
            line("%s", cells);
        }
        line("");
    }
}
