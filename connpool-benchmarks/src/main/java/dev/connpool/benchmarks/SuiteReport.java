package dev.connpool.benchmarks;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;

/**
 * The report of the {@link Suite} in Markdown, one section per part: the tables, the ratios against the targets
 * of issue 6 and their verdicts. {@link Suite} runs the parts and hands their results here in its order.
 */
final class SuiteReport {

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

    static final Map<String, String> SCALE_BASELINES = Map.of(
            "commonsPool2", "baseline: raw commons-pool2, connpool's settings",
            "floorQueue", "baseline: `ConcurrentLinkedQueue` per key");

    private final StringBuilder report = new StringBuilder();

    /** The report so far. */
    String text() {
        return report.toString();
    }

    private void line(String format, Object... args) {
        report.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    // ---- formatting results ----------------------------------------------------------------------------

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

    /** "met", or by how much the measured ratio falls short of its target ({@code ofTarget}: measured / target). */
    private static String verdict(boolean met, double ofTarget) {
        return met ? "met" : String.format(Locale.ROOT, "**missed**: %.0f%% of the target", ofTarget * 100);
    }

    // ---- the machine -----------------------------------------------------------------------------------

    /** The machine section; {@code coreCheck} says whether the jar holds this tree's connpool-core. */
    void machine(Instant started, String cpuModel, boolean quick, String coreCheck) {
        line("## Machine");
        line("");
        line("- started: %s", started.truncatedTo(ChronoUnit.SECONDS));
        line("- processors (`nproc`): %d", Runtime.getRuntime().availableProcessors());
        line("- CPU: %s", cpuModel);
        line("- JDK: %s %s (%s), %s", System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vendor"), System.getProperty("java.home"));
        line("- OS: %s %s %s", System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"));
        line("- JMH: 1 fork, %s, default JVM options of the forks", quick ? "QUICK MODE (1 x 100 ms): numbers mean nothing"
                : "3 x 1 s warm-up, 5 x 1 s measurement");
        line("- connpool-core: %s", coreCheck);
        line("");
    }

    // ---- peers -----------------------------------------------------------------------------------------

    /** The peer table and the ratios; {@code results}: method -> threads -> result. */
    void peers(Map<String, Map<Integer, RunResult>> results) {
        line("## Borrow + return of an idle connection, side by side");
        line("");
        line("3 servers x 8 warm connections, key chosen round-robin, no I/O; throughput in ops/us (± the 99.9%%");
        line("confidence interval JMH reports), ns/op = 1000 / the 1-thread throughput, B/op from `-prof gc`");
        line("(1 / 8 / 32 threads).");
        line("");
        line("| pool | 1 thread ops/us | 8 threads | 32 threads | ns/op (1 thread) | B/op (1 / 8 / 32 threads) |");
        line("| --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, String> row : PEERS.entrySet()) {
            Map<Integer, RunResult> byThreads = results.get(row.getKey());
            if (byThreads == null) {
                continue;
            }
            StringBuilder cells = new StringBuilder("| " + row.getValue() + " | ");
            for (int threads : Suite.PEER_THREADS) {
                RunResult r = byThreads.get(threads);
                cells.append(r == null ? "-" : withError(r.getPrimaryResult().getScore(),
                        r.getPrimaryResult().getScoreError(), "%.2f")).append(" | ");
            }
            RunResult one = byThreads.get(1);
            cells.append(one == null ? "-" : String.format(Locale.ROOT, "%.0f", 1000 / one.getPrimaryResult().getScore()));
            cells.append(" | ");
            List<String> bytes = new ArrayList<>();
            for (int threads : Suite.PEER_THREADS) {
                RunResult r = byThreads.get(threads);
                bytes.add(r == null ? "-" : String.format(Locale.ROOT, "%.0f", bytesPerOp(r)));
            }
            cells.append(String.join(" / ", bytes)).append(" |");
            line("%s", cells);
        }
        line("");
        peerTargets(results);
    }

    private static double peerScore(Map<String, Map<Integer, RunResult>> results, String method, int threads) {
        Map<Integer, RunResult> byThreads = results.get(method);
        RunResult r = byThreads == null ? null : byThreads.get(threads);
        return r == null ? Double.NaN : r.getPrimaryResult().getScore();
    }

    private static double peerBytes(Map<String, Map<Integer, RunResult>> results, String method, int threads) {
        Map<Integer, RunResult> byThreads = results.get(method);
        RunResult r = byThreads == null ? null : byThreads.get(threads);
        return r == null ? Double.NaN : bytesPerOp(r);
    }

    private void peerTargets(Map<String, Map<Integer, RunResult>> results) {
        line("### Ratios against the targets of issue 6");
        line("");
        line("| target | measured | verdict |");
        line("| --- | --- | --- |");
        for (int threads : new int[] {1, 8}) {
            double r = peerScore(results, "multiPoolBorrow", threads)
                    / peerScore(results, "commonsPool2AdapterSettings", threads);
            line("| `borrow()`+`close()` >= 0.90x raw commons-pool2 (same settings), %d thread%s | %.2fx | %s |",
                    threads, threads == 1 ? "" : "s", r, verdict(r >= 0.90, r / 0.90));
        }
        double extra = peerBytes(results, "multiPoolBorrow", 1) - peerBytes(results, "commonsPool2AdapterSettings", 1);
        line("| `borrow()`+`close()` <= 64 B/op above raw commons-pool2 (1 thread) | %+.0f B/op | %s |", extra,
                extra <= 64 ? "met" : String.format(Locale.ROOT, "missed by %.0f B/op", extra - 64));
        for (int threads : Suite.PEER_THREADS) {
            double r = peerScore(results, "multiPoolBorrow", threads) / peerScore(results, "httpCore5Strict", threads);
            line("| `borrow()`+`close()` >= 1.0x HttpCore5 `StrictConnPool`, %d thread%s | %.2fx | %s |",
                    threads, threads == 1 ? "" : "s", r, verdict(r >= 1.0, r));
        }
        line("");
        line("Other ratios (no target): ");
        line("");
        line("| | 1 thread | 8 threads | 32 threads |");
        line("| --- | --- | --- | --- |");
        ratioRow(results, "`borrow(server)` / raw commons-pool2 (same settings)", "multiPoolBorrowServer",
                "commonsPool2AdapterSettings");
        ratioRow(results, "`execute()` / raw commons-pool2 (same settings)", "multiPoolExecute",
                "commonsPool2AdapterSettings");
        ratioRow(results, "`borrow()` / raw commons-pool2 (same settings)", "multiPoolBorrow",
                "commonsPool2AdapterSettings");
        ratioRow(results, "`borrow()` with max-total (no fast path) / raw commons-pool2 (same settings)",
                "multiPoolBorrowMaxTotal", "commonsPool2AdapterSettings");
        ratioRow(results, "`borrow()` / `borrow()` with max-total: what the fast path gains", "multiPoolBorrow",
                "multiPoolBorrowMaxTotal");
        ratioRow(results, "`borrow(server)` / `StrictConnPool`", "multiPoolBorrowServer", "httpCore5Strict");
        ratioRow(results, "raw commons-pool2 (same settings) / `StrictConnPool`", "commonsPool2AdapterSettings",
                "httpCore5Strict");
        ratioRow(results, "raw commons-pool2 (same settings) / defaults", "commonsPool2AdapterSettings",
                "commonsPool2Defaults");
        line("");
    }

    private void ratioRow(Map<String, Map<Integer, RunResult>> results, String label, String a, String b) {
        StringBuilder cells = new StringBuilder("| " + label + " |");
        for (int threads : Suite.PEER_THREADS) {
            cells.append(' ').append(ratio(peerScore(results, a, threads), peerScore(results, b, threads))).append(" |");
        }
        line("%s", cells);
    }

    // ---- fairness --------------------------------------------------------------------------------------

    /** The percentiles of the pools that wait; {@code results}: method -> result. */
    void fairness(Map<String, RunResult> results) {
        line("## Waiting at 32 threads (24 connections)");
        line("");
        line("Sample-time mode: the time of one borrow + return, in us, the wait for a connection included.");
        line("");
        line("| pool | p50 | p99 | p99.9 | p99.99 | max | samples |");
        line("| --- | --- | --- | --- | --- | --- | --- |");
        for (String method : Suite.FAIRNESS) {
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

    /** The scale table, a row per balancer and per baseline; {@code results}: every scale run. */
    void scale(Collection<RunResult> results) {
        Map<String, Map<Integer, RunResult>> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            String row = r.getParams().getBenchmark().startsWith(ScaleBenchmark.class.getName())
                    ? "MultiPool, " + r.getParams().getParam("balancer")
                    : SCALE_BASELINES.get(Suite.method(r));
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

    // ---- anatomy ---------------------------------------------------------------------------------------

    /** A row per part of a commons-pool2 borrow + return; {@code results}: method -> result. */
    void anatomy(Map<String, RunResult> results) {
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

    /** The memory table; {@code rows}: the six tab-separated cells of each {@link MemoryFootprint} row. */
    void memory(List<String[]> rows) {
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

    /** Requests per second, pooled and not, and their ratio; {@code results}: method -> threads -> result. */
    void endToEnd(Map<String, Map<Integer, RunResult>> results) {
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
            for (int threads : Suite.E2E_THREADS) {
                RunResult r = m.get(threads);
                cells.append(' ').append(r == null ? "-" : withError(r.getPrimaryResult().getScore(),
                        r.getPrimaryResult().getScoreError(), "%.0f")).append(" |");
            }
            line("%s", cells);
        }
        if (results.containsKey("pooledExecute") && results.containsKey("newConnectionPerRequest")) {
            StringBuilder cells = new StringBuilder("| pooled / new connection |");
            for (int threads : Suite.E2E_THREADS) {
                cells.append(' ').append(ratio(results.get("pooledExecute").get(threads).getPrimaryResult().getScore(),
                        results.get("newConnectionPerRequest").get(threads).getPrimaryResult().getScore())).append(" |");
            }
            line("%s", cells);
        }
        line("");
    }
}
