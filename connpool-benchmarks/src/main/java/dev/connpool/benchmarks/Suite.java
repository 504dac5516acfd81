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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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
 *
 * <p>This class runs the parts and gathers their results; {@link SuiteReport} writes the tables.
 */
public final class Suite {

    static final List<String> ALL_PARTS = List.of("peers", "fairness", "scale", "memory", "e2e", "anatomy");
    static final int[] PEER_THREADS = {1, 8, 32};
    static final int[] E2E_THREADS = {1, 8};

    static final List<String> FAIRNESS = List.of("multiPoolBorrow", "multiPoolBorrowServer",
            "commonsPool2AdapterSettings", "commonsPool2Defaults", "httpCore5Strict", "hikariConcurrentBag");

    private final Path out;
    private final boolean quick;
    private final SuiteReport report = new SuiteReport();

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
        System.out.println(suite.report.text());
        System.out.println("(report written to " + out.resolve("report.md") + ")");
    }

    private void save() throws IOException {
        Files.writeString(out.resolve("report.md"), report.text(), StandardCharsets.UTF_8);
    }

    // ---- the machine -----------------------------------------------------------------------------------

    private void machine() {
        Instant started = Instant.now();
        String cpu = cpuModel();
        report.machine(started, cpu, quick, coreCheck());
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

    /** The benchmark method of a result: {@code multiPoolBorrow} of {@code ...PeerBenchmark.multiPoolBorrow}. */
    static String method(RunResult r) {
        String benchmark = r.getParams().getBenchmark();
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    // ---- the parts -------------------------------------------------------------------------------------

    private void peers() throws RunnerException {
        /* method -> threads -> result */
        Map<String, Map<Integer, RunResult>> results = new LinkedHashMap<>();
        for (int threads : PEER_THREADS) {
            for (RunResult r : run(options(PeerBenchmark.class.getName() + "\\.", "peers-t" + threads)
                    .threads(threads)
                    .mode(Mode.Throughput)
                    .timeUnit(TimeUnit.MICROSECONDS)
                    .addProfiler(GCProfiler.class))) {
                results.computeIfAbsent(method(r), m -> new LinkedHashMap<>()).put(threads, r);
            }
        }
        report.peers(results);
    }

    private void fairness() throws RunnerException {
        String include = PeerBenchmark.class.getName() + "\\.(" + String.join("|", FAIRNESS) + ")$";
        Map<String, RunResult> results = new LinkedHashMap<>();
        for (RunResult r : run(options(include, "fairness-t32")
                .threads(32)
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS))) {
            results.put(method(r), r);
        }
        report.fairness(results);
    }

    private void scale() throws RunnerException {
        String include = "(" + ScaleBenchmark.class.getName() + "|" + ScaleBaselineBenchmark.class.getName() + ")\\.";
        report.scale(run(options(include, "scale").addProfiler(GCProfiler.class)));
    }

    private void anatomy() throws RunnerException {
        Map<String, RunResult> results = new LinkedHashMap<>();
        for (RunResult r : run(options(AnatomyBenchmark.class.getName() + "\\.", "anatomy").addProfiler(GCProfiler.class))) {
            results.put(method(r), r);
        }
        report.anatomy(results);
    }

    /** Runs {@link MemoryFootprint} in a JVM of its own, echoes its output and reports its table rows. */
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
        report.memory(rows);
    }

    private void endToEnd() throws RunnerException {
        Map<String, Map<Integer, RunResult>> results = new LinkedHashMap<>();
        for (int threads : E2E_THREADS) {
            for (RunResult r : run(options(EndToEndBenchmark.class.getName() + "\\.", "e2e-t" + threads)
                    .threads(threads))) {
                results.computeIfAbsent(method(r), m -> new LinkedHashMap<>()).put(threads, r);
            }
        }
        report.endToEnd(results);
    }
}
