package dev.connpool.benchmarks.fault;

import dev.connpool.benchmarks.fault.PhaseRecorder.PoolEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a server came back after it could serve again (a hang's end, a flapping server up): when the pool let it
 * back in, how many connections were opened to it in its first second back, and how long until its share of the
 * calls was back to {@link #QUARTER} over a {@link #WINDOW}.
 *
 * @param returnedAt          when it could serve again, seconds into the measurement
 * @param backAt              when the pool took it back (its re-admission if it was out then, else
 *                            {@code returnedAt}); NaN when the pool never did before the horizon
 * @param firstSecondOpened   connections opened to it from its return until a second after the pool took it back
 *                            (the trial's and the probes' included; the pool's listener hears of a re-admission
 *                            a little after borrowers do)
 * @param secondsToQuarter    from {@code backAt} to the end of the first window in which its share was at least
 *                            25%; NaN when none before the horizon
 * @param watched             seconds from {@code backAt} to the horizon (its next fault, or the end)
 * @param shares              its share of the calls in each {@link #WINDOW_BUCKETS} window from {@code backAt} on,
 *                            up to the horizon (the ramp a slow start makes), 0..1
 */
record Recovery(double returnedAt, double backAt, int firstSecondOpened, double secondsToQuarter, double watched,
                List<Double> shares) {

    static final double QUARTER = 0.25;
    /** The share is read over this long, sliding by {@link PhaseRecorder#BUCKET}. */
    static final int WINDOW_BUCKETS = 5;

    boolean back() {
        return !Double.isNaN(backAt);
    }

    boolean reachedQuarter() {
        return !Double.isNaN(secondsToQuarter);
    }

    /**
     * The recoveries of server {@code server} after each event of {@code events} that returns it.
     *
     * @param openedAt when each connection to it was opened ({@link System#nanoTime()})
     */
    static List<Recovery> of(PhaseRecorder recorder, int server, List<Fault.FaultEvent> events, List<Long> openedAt) {
        List<Recovery> recoveries = new ArrayList<>();
        List<PoolEvent> poolEvents = recorder.poolEvents().stream().filter(e -> e.server() == server).toList();
        for (int i = 0; i < events.size(); i++) {
            Fault.FaultEvent event = events.get(i);
            if (!event.returns() || event.server() != server) {
                continue;
            }
            long returned = event.at().toNanos();
            long horizon = i + 1 < events.size() ? events.get(i + 1).at().toNanos() : recorder.lengthNanos();
            long back = backAt(poolEvents, returned, horizon);
            if (back < 0) {
                recoveries.add(new Recovery(seconds(returned), Double.NaN, 0, Double.NaN, 0, List.of()));
                continue;
            }
            long second = Math.min(back + Duration.ofSeconds(1).toNanos(), horizon);
            int opened = 0;
            for (long t : openedAt) {
                long offset = t - recorder.startNanos();
                if (offset >= returned && offset < second) {
                    opened++;
                }
            }
            recoveries.add(new Recovery(seconds(returned), seconds(back), opened,
                    secondsToQuarter(recorder, server, back, horizon), seconds(horizon - back),
                    shares(recorder, server, back, horizon)));
        }
        return recoveries;
    }

    /** When the pool took the server back at or after {@code returned}: -1 if not before the horizon. */
    private static long backAt(List<PoolEvent> poolEvents, long returned, long horizon) {
        boolean out = false;
        for (PoolEvent e : poolEvents) {
            if (e.atNanos() <= returned) {
                out = e.out();
            } else if (out && !e.out()) {
                return e.atNanos() < horizon ? e.atNanos() : -1;
            }
        }
        return out ? -1 : returned;
    }

    private static double secondsToQuarter(PhaseRecorder recorder, int server, long back, long horizon) {
        long bucket = PhaseRecorder.BUCKET.toNanos();
        for (int first = (int) ((back + bucket - 1) / bucket); (first + WINDOW_BUCKETS) * bucket <= horizon; first++) {
            if (share(recorder, server, first) >= QUARTER) {
                return seconds((first + WINDOW_BUCKETS) * bucket - back);
            }
        }
        return Double.NaN;
    }

    /** Its share in consecutive windows from the first whole bucket after {@code back}. */
    private static List<Double> shares(PhaseRecorder recorder, int server, long back, long horizon) {
        long bucket = PhaseRecorder.BUCKET.toNanos();
        List<Double> shares = new ArrayList<>();
        for (int first = (int) ((back + bucket - 1) / bucket); (first + WINDOW_BUCKETS) * bucket <= horizon;
             first += WINDOW_BUCKETS) {
            shares.add(share(recorder, server, first));
        }
        return shares;
    }

    /** Its share of the calls that ended in the window of buckets from {@code first}; 0 when there were none. */
    private static double share(PhaseRecorder recorder, int server, int first) {
        long own = 0;
        long all = 0;
        for (int b = first; b < first + WINDOW_BUCKETS; b++) {
            own += recorder.servedIn(server, b);
            for (int s = 0; s < recorder.serverCount(); s++) {
                all += recorder.servedIn(s, b);
            }
        }
        return all == 0 ? 0 : (double) own / all;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
