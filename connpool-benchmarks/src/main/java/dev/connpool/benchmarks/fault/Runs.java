package dev.connpool.benchmarks.fault;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One phase with one balancer over every run: the median of a figure, and its spread. NaN figures (a phase
 * without a return) are left out; an infinite one (never reached) counts as the largest.
 */
record Runs(List<PhaseResult> results) {

    Runs {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("no run");
        }
        results = List.copyOf(results);
    }

    PhaseResult first() {
        return results.get(0);
    }

    int count() {
        return results.size();
    }

    double median(ToDoubleFunction<PhaseResult> figure) {
        double[] v = values(figure);
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    double min(ToDoubleFunction<PhaseResult> figure) {
        double[] v = values(figure);
        return v.length == 0 ? Double.NaN : v[0];
    }

    double max(ToDoubleFunction<PhaseResult> figure) {
        double[] v = values(figure);
        return v.length == 0 ? Double.NaN : v[v.length - 1];
    }

    private double[] values(ToDoubleFunction<PhaseResult> figure) {
        return results.stream().mapToDouble(figure).filter(d -> !Double.isNaN(d)).sorted().toArray();
    }

    /** The figure as a cell: its median alone, or with more than one run "median (min–max)". */
    String spread(ToDoubleFunction<PhaseResult> figure, String format) {
        String median = format(median(figure), format);
        if (count() == 1 || Double.isNaN(median(figure))) {
            return median;
        }
        return median + " (" + format(min(figure), format) + "–" + format(max(figure), format) + ")";
    }

    /** A figure as a cell: "–" for NaN (not applicable), "never" for infinite. */
    static String format(double value, String format) {
        if (Double.isNaN(value)) {
            return "–";
        }
        if (Double.isInfinite(value)) {
            return "never";
        }
        return String.format(Locale.ROOT, format, value);
    }
}
