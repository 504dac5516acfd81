package dev.connpool.benchmarks.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one phase with one balancer, in one run. Latencies in milliseconds; times in seconds into the
 * measurement.
 *
 * @param balancer          the balancer's name
 * @param fault             the phase
 * @param measured          how long calls were started
 * @param started           calls started within it
 * @param succeeded         of those, the ones that returned
 * @param failed            the ones that threw (caller errors)
 * @param errors            the caller errors by exception class
 * @param p50               latency percentiles of every measured call, failed ones included
 * @param served            calls served per server (the server whose work returned)
 * @param attempts          runs of the work and failed connects on the callers' threads, over all calls
 * @param slowCalls         calls that took at least {@link #SLOW} of the read timeout
 * @param slowCallWaves     waves of slow calls: the slow calls that started between two ejections of server 0
 *                          are one wave (a wave after the first: the pool let the faulty server back too soon)
 * @param ejections         ejections of server 0 (the faulty one) during the measurement
 * @param recoveries        server 0's returns
 * @param opened            connections opened (all servers, warm-up and probes included)
 * @param destroyed         connections destroyed by the time the pool was closed
 * @param maxActive         the pool's max-active
 * @param ejectionFailures  the pool's ejection.consecutive-failures
 * @param slowStartWindow   the pool's slow-start.window, zero when it has none
 * @param course            server 0's course for the progress line: the slow calls' ends, the pool's ejections
 *                          and re-admissions, the connections opened to it, in seconds into the measurement
 */
record PhaseResult(String balancer, Fault fault, Duration measured, long started, long succeeded, long failed,
                   Map<String, Long> errors, double p50, double p99, double p999, double max, long[] served,
                   long attempts, long slowCalls, int slowCallWaves, int ejections, List<Recovery> recoveries,
                   long opened, long destroyed, int maxActive, int ejectionFailures, Duration slowStartWindow,
                   String course) {

    /** A call is slow from this fraction of the read timeout on (a timed-out read takes the whole timeout). */
    static final double SLOW = 0.9;

    static PhaseResult of(String balancer, Fault fault, PhaseRecorder recorder, List<Recovery> recoveries,
                          long opened, long destroyed, int maxActive, int ejectionFailures, Duration slowStartWindow,
                          List<Long> openedAt) {
        Histogram h = recorder.latencies();
        int ejections = (int) recorder.poolEvents().stream().filter(e -> e.server() == 0 && e.out()
                && e.atNanos() >= 0 && e.atNanos() < recorder.lengthNanos()).count();
        List<PhaseRecorder.SlowCall> slow = recorder.slowCalls();
        List<Long> outs = recorder.poolEvents().stream().filter(e -> e.server() == 0 && e.out())
                .map(PhaseRecorder.PoolEvent::atNanos).toList();
        return new PhaseResult(balancer, fault, Duration.ofNanos(recorder.lengthNanos()), recorder.startedCalls(),
                recorder.succeededCalls(), recorder.failedCalls(), recorder.errors(), millis(h, 50), millis(h, 99),
                millis(h, 99.9), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0, recorder.served(),
                recorder.attempts(), slow.size(), waves(slow, outs), ejections, List.copyOf(recoveries), opened,
                destroyed, maxActive, ejectionFailures, slowStartWindow, course(recorder, slow, openedAt));
    }

    private static String course(PhaseRecorder recorder, List<PhaseRecorder.SlowCall> slow, List<Long> openedAt) {
        StringBuilder course = new StringBuilder("slow calls (start-end)");
        for (PhaseRecorder.SlowCall c : slow) {
            course.append(String.format(Locale.ROOT, " %.2f-%.2f", c.startNanos() / 1e9, c.endNanos() / 1e9));
        }
        course.append("; server 0");
        for (PhaseRecorder.PoolEvent e : recorder.poolEvents()) {
            if (e.server() == 0) {
                course.append(e.out() ? " out " : " in ").append(String.format(Locale.ROOT, "%.2f", e.atNanos() / 1e9));
            }
        }
        course.append("; opened to 0 at ").append(seconds(openedAt, recorder.startNanos()));
        return course.toString();
    }

    private static String seconds(List<Long> nanos, long origin) {
        StringBuilder s = new StringBuilder("[");
        for (long t : nanos) {
            s.append(s.length() == 1 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", (t - origin) / 1e9));
        }
        return s.append(']').toString();
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** How many of the spans between ejections ({@code outs}, in order) saw a slow call start. */
    static int waves(List<PhaseRecorder.SlowCall> slow, List<Long> outs) {
        return (int) slow.stream().mapToLong(c -> outs.stream().filter(o -> o <= c.startNanos()).count())
                .distinct().count();
    }

    /** The measured calls that ended: returned or threw. */
    long calls() {
        return succeeded + failed;
    }

    long servedTotal() {
        long sum = 0;
        for (long s : served) {
            sum += s;
        }
        return sum;
    }

    /** Server {@code server}'s share of the served calls, 0..1. */
    double share(int server) {
        long total = servedTotal();
        return total == 0 ? 0 : (double) served[server] / total;
    }

    double attemptsPerCall() {
        return calls() == 0 ? 0 : (double) attempts / calls();
    }

    /** Calls per second. */
    double throughput() {
        return calls() / (measured.toNanos() / 1e9);
    }

    /**
     * The longest time from a return of server 0 until the pool took it back, in seconds; infinite when once it
     * did not, NaN when it had no return.
     */
    double slowestReadmission() {
        return recoveries.stream().mapToDouble(r -> r.back() ? r.backAt() - r.returnedAt() : Double.POSITIVE_INFINITY)
                .max().orElse(Double.NaN);
    }

    /**
     * The most connections opened to server 0 in a first second back; NaN when the pool never took it back
     * before its next fault (the ejection's back-off, not a ramp, kept it out).
     */
    double mostOpenedInFirstSecond() {
        return recoveries.stream().filter(Recovery::back).mapToDouble(Recovery::firstSecondOpened).max().orElse(Double.NaN);
    }

    /**
     * The longest time from server 0 back in the pool to its share at 25%, in seconds; infinite when once not
     * reached though watched for the slow-start window + 2 s, NaN when the pool never took it back (a return
     * watched for less, before its next fault, that did not reach it, says nothing).
     */
    double slowestToQuarter() {
        double enough = slowStartWindow.toNanos() / 1e9 + 2;
        return recoveries.stream().filter(Recovery::back)
                .filter(r -> r.reachedQuarter() || r.watched() >= enough)
                .mapToDouble(r -> r.reachedQuarter() ? r.secondsToQuarter() : Double.POSITIVE_INFINITY)
                .max().orElse(Double.NaN);
    }

    List<Double> shares() {
        List<Double> shares = new ArrayList<>();
        for (int i = 0; i < served.length; i++) {
            shares.add(share(i));
        }
        return shares;
    }
}
