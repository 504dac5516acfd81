package dev.connpool.benchmarks.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The targets of issue 14, checked on one balancer's medians: each a {@link Check} that passes or fails. A target
 * whose phases were not run is left out; the hedging target only when a {@code hedge.*} setting was given.
 */
final class FaultTargets {

    /** One target: what it asks, what was measured, and whether that meets it. */
    record Check(String target, String measured, boolean pass) {

        String line() {
            return (pass ? "PASS" : "FAIL") + "  " + target + ": " + measured;
        }
    }

    private final FaultOptions options;
    private final Map<Fault, Runs> phases;
    private final List<Check> checks = new ArrayList<>();

    private FaultTargets(FaultOptions options, Map<Fault, Runs> phases) {
        this.options = options;
        this.phases = phases;
    }

    /** The checks of one balancer's phases. */
    static List<Check> check(FaultOptions options, Map<Fault, Runs> phases) {
        FaultTargets t = new FaultTargets(options, phases);
        t.equalShares();
        t.slow();
        t.hang();
        t.recovery(Fault.HANG);
        t.recovery(Fault.FLAPPING);
        t.twoDown();
        t.hedging();
        return t.checks;
    }

    private void add(String target, String measured, boolean pass) {
        checks.add(new Check(target, measured, pass));
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private void equalShares() {
        Runs healthy = phases.get(Fault.HEALTHY);
        if (healthy == null) {
            return;
        }
        int n = options.servers();
        double mean = 1.0 / n;
        double worst = 0;
        List<String> shares = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int server = i;
            double share = healthy.median(r -> r.share(server));
            worst = Math.max(worst, Math.abs(share - mean) / mean);
            shares.add(f("%.1f%%", share * 100));
        }
        add("equal servers: each share within ±10% of the mean", f("shares %s, worst %.1f%% off",
                String.join(" / ", shares), worst * 100), worst <= 0.10);
    }

    private void slow() {
        Runs healthy = phases.get(Fault.HEALTHY);
        if (healthy == null) {
            return;
        }
        double limit = 1.5 * healthy.median(PhaseResult::p99);
        Runs ten = phases.get(Fault.SLOW_10X);
        if (ten != null) {
            double p99 = ten.median(PhaseResult::p99);
            add("one server 10x slower: p99 ≤ 1.5 × the all-healthy p99", f("%.2f ms vs %.2f ms (%.2fx)", p99,
                    limit, p99 / healthy.median(PhaseResult::p99)), p99 <= limit);
            double share = ten.median(r -> r.share(0));
            add("one server 10x slower: its share ≤ 1%", f("%.2f%%", share * 100), share <= 0.01);
        }
        Runs hundred = phases.get(Fault.SLOW_100X);
        if (hundred != null) {
            double p99 = hundred.median(PhaseResult::p99);
            add("one server 100x slower: p99 ≤ 1.5 × the all-healthy p99", f("%.2f ms vs %.2f ms (%.2fx)", p99,
                    limit, p99 / healthy.median(PhaseResult::p99)), p99 <= limit);
        }
    }

    private void hang() {
        Runs hang = phases.get(Fault.HANG);
        if (hang == null) {
            return;
        }
        double errors = hang.median(PhaseResult::failed);
        add("one server hung: 0 caller errors", f("%.0f", errors), errors == 0);
        double limit = options.readTimeout().toMillis() + 200;
        double max = hang.median(PhaseResult::max);
        add("one server hung: max ≤ read timeout + 200 ms", f("%.0f ms vs %.0f ms", max, limit), max <= limit);
        double slow = hang.median(PhaseResult::slowCalls);
        double allowed = hang.first().ejectionFailures() * (double) options.threads();
        add("one server hung: calls slower than the read timeout ≤ ejection failures × threads",
                f("%.0f vs %.0f", slow, allowed), slow <= allowed);
        double waves = hang.median(PhaseResult::slowCallWaves);
        add("one server hung: one wave of slow calls only", f("%.0f waves", waves), waves <= 1);
    }

    private void recovery(Fault fault) {
        Runs runs = phases.get(fault);
        if (runs == null || Double.isNaN(runs.median(PhaseResult::slowestToQuarter))) {
            return;
        }
        double window = runs.first().slowStartWindow().toMillis() / 1000.0;
        double toQuarter = runs.median(PhaseResult::slowestToQuarter);
        add(f("recovery (%s): share back to ≥ 25%% within the slow-start window + 2 s", fault.key),
                f("%s s after it was back vs %.1f s", Runs.format(toQuarter, "%.1f"), window + 2),
                toQuarter <= window + 2);
        double opened = runs.median(PhaseResult::mostOpenedInFirstSecond);
        int maxActive = runs.first().maxActive();
        add(f("recovery (%s): ≤ max-active new connections in its first second back", fault.key),
                f("%s vs %d", Runs.format(opened, "%.0f"), maxActive), opened <= maxActive);
    }

    private void twoDown() {
        Runs down = phases.get(Fault.TWO_DOWN);
        if (down == null) {
            return;
        }
        double attempts = down.median(PhaseResult::attemptsPerCall);
        add("two of three servers down: attempts per call ≤ 1.2", f("%.2f", attempts), attempts <= 1.2);
    }

    private void hedging() {
        boolean hedged = options.settings().keySet().stream().anyMatch(k -> k.startsWith("hedge"));
        Runs healthy = phases.get(Fault.HEALTHY);
        Runs ten = phases.get(Fault.SLOW_10X);
        if (!hedged || healthy == null || ten == null) {
            return;
        }
        double p999 = ten.median(PhaseResult::p999);
        double limit = 2 * healthy.median(PhaseResult::p999);
        add("hedging: one-slow p99.9 ≤ 2 × the all-healthy p99.9", f("%.2f ms vs %.2f ms", p999, limit),
                p999 <= limit);
        double extra = ten.median(PhaseResult::attemptsPerCall) - 1;
        add("hedging: extra load ≤ 10% (attempts per call - 1, one slow)", f("%.1f%%", extra * 100), extra <= 0.10);
    }
}
