package dev.connpool.benchmarks.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fault benchmark's report in Markdown: the machine and the command, then per balancer a table of its
 * phases (medians over the runs; latencies with their spread when there were several; the p99 as a ratio of
 * the all-healthy one) and the targets of issue 14 as PASS/FAIL lines. The recovery columns are the worst of
 * the phase's returns: a flapping server returns more than once.
 */
final class FaultReport {

    private final StringBuilder text = new StringBuilder();

    String text() {
        return text.toString();
    }

    private void line(String format, Object... args) {
        text.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    void header(FaultOptions o, String command, Instant started) {
        line("# Fault benchmark");
        line("");
        line("- started: %s; `nproc`: %d; CPU: %s", started.truncatedTo(ChronoUnit.SECONDS),
                Runtime.getRuntime().availableProcessors(), cpuModel());
        line("- JDK: %s %s", System.getProperty("java.vm.name"), System.getProperty("java.vm.version"));
        line("- command: `%s`", command);
        line("- %d loopback servers at %s a request (server 0 is the faulty one; 0 and 1 in two-down), %d caller "
                        + "threads of `execute()`, `SocketConnectionFactory` with read timeout %s and %s, default pool "
                        + "settings%s",
                o.servers(), Fault.millis(o.baseDelay()), o.threads(), Fault.seconds(o.readTimeout()), probe(o),
                o.settings().isEmpty() ? "" : " but " + new TreeMap<>(o.settings()));
        line("- each phase: %s warm-up, then %s measured (a hang or the flapping starts %s in; the hang phase lasts "
                        + "until its server has been watched %s after it answers again); %d run(s), medians shown",
                Fault.seconds(o.warmup()), Fault.seconds(o.measure()), Fault.seconds(o.lead()), Fault.seconds(o.watch()),
                o.runs());
        line("");
    }

    /** The factory's probe as the header tells it: a round trip re-admits servers, else a borrower's lease does. */
    private static String probe(FaultOptions o) {
        String[] line = o.probeLine();
        return line == null ? "no probe (`--probe off`: a trial by lease)"
                : "the probe `" + line[0].strip() + "` → `" + line[1] + "` (trials in the background)";
    }

    /** One balancer's table and its targets. */
    void balancer(String balancer, FaultOptions o, Map<Fault, Runs> phases, List<FaultTargets.Check> checks) {
        line("## %s", balancer);
        line("");
        line("| phase | calls/s | p50 ms | p99 ms | p99 / healthy | p99.9 ms | max ms | errors | share per server "
                + "| attempts/call | calls ≥ 0.9 × timeout (waves) | ejections of 0 | s until re-admitted "
                + "| new conns 1st s back | s to ≥ 25%% share |");
        line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        Runs healthy = phases.get(Fault.HEALTHY);
        double healthyP99 = healthy == null ? Double.NaN : healthy.median(PhaseResult::p99);
        for (Map.Entry<Fault, Runs> e : phases.entrySet()) {
            Runs r = e.getValue();
            List<String> shares = new ArrayList<>();
            for (int i = 0; i < o.servers(); i++) {
                int server = i;
                shares.add(Runs.format(r.median(x -> x.share(server) * 100), "%.1f"));
            }
            line("| %s | %s | %s | %s | %s | %s | %s | %s | %s%% | %s | %s (%s) | %s | %s | %s | %s |",
                    e.getKey().label(o),
                    Runs.format(r.median(PhaseResult::throughput), "%.0f"),
                    r.spread(PhaseResult::p50, "%.2f"),
                    r.spread(PhaseResult::p99, "%.2f"),
                    Runs.format(r.median(PhaseResult::p99) / healthyP99, "%.2fx"),
                    r.spread(PhaseResult::p999, "%.1f"),
                    r.spread(PhaseResult::max, "%.0f"),
                    Runs.format(r.median(PhaseResult::failed), "%.0f"),
                    String.join(" / ", shares),
                    Runs.format(r.median(PhaseResult::attemptsPerCall), "%.3f"),
                    Runs.format(r.median(PhaseResult::slowCalls), "%.0f"),
                    Runs.format(r.median(PhaseResult::slowCallWaves), "%.0f"),
                    Runs.format(r.median(PhaseResult::ejections), "%.0f"),
                    Runs.format(r.median(PhaseResult::slowestReadmission), "%.2f"),
                    Runs.format(r.median(PhaseResult::mostOpenedInFirstSecond), "%.0f"),
                    Runs.format(r.median(PhaseResult::slowestToQuarter), "%.1f"));
        }
        line("");
        ramps(phases);
        errorTypes(phases);
        if (!checks.isEmpty()) {
            line("```");
            for (FaultTargets.Check c : checks) {
                line("%s", c.line());
            }
            line("```");
            line("");
        }
    }

    /** Server 0's share per window after its first re-admission in a phase, the median of the runs per window. */
    private void ramps(Map<Fault, Runs> phases) {
        List<String> ramps = new ArrayList<>();
        for (Map.Entry<Fault, Runs> e : phases.entrySet()) {
            List<String> cells = new ArrayList<>();
            for (int w = 0; ; w++) {
                int window = w;
                double median = e.getValue().median(r -> r.recoveries().stream().filter(Recovery::back).findFirst()
                        .filter(x -> x.shares().size() > window).map(x -> x.shares().get(window)).orElse(Double.NaN));
                if (Double.isNaN(median)) {
                    break;
                }
                cells.add(String.format(Locale.ROOT, "%.0f%%", median * 100));
            }
            if (!cells.isEmpty()) {
                ramps.add(e.getKey().key + ": " + String.join(" ", cells));
            }
        }
        if (!ramps.isEmpty()) {
            line("Server 0's share per %d ms from its (first) re-admission: %s.",
                    Recovery.WINDOW_BUCKETS * PhaseRecorder.BUCKET.toMillis(), String.join("; ", ramps));
            line("");
        }
    }

    private void errorTypes(Map<Fault, Runs> phases) {
        List<String> notes = new ArrayList<>();
        for (Map.Entry<Fault, Runs> e : phases.entrySet()) {
            Map<String, Long> total = new TreeMap<>();
            for (PhaseResult r : e.getValue().results()) {
                r.errors().forEach((k, v) -> total.merge(k, v, Long::sum));
            }
            if (!total.isEmpty()) {
                notes.add(e.getKey().key + ": " + total);
            }
        }
        if (!notes.isEmpty()) {
            line("Caller errors by type, all runs: %s.", String.join("; ", notes));
            line("");
        }
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
}
