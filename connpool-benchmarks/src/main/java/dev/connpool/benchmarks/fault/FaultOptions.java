package dev.connpool.benchmarks.fault;

import dev.connpool.Balancer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fault benchmark's command line, every option with its default.
 *
 * @param servers     loopback servers (at least 3)
 * @param threads     caller threads of {@code execute()}
 * @param readTimeout the socket factory's read timeout
 * @param baseDelay   each server's time per request when healthy
 * @param warmup      calls made before each phase is measured
 * @param measure     the measurement of a phase (a hang or a flapping phase lasts at least its course)
 * @param lead        how far into the measurement a hang or the flapping starts
 * @param hang        how long the hung server hangs
 * @param flap        the flapping server's time down, then up, and so on
 * @param watch       how long a recovered server is watched after its hang
 * @param balancers   the balancers by the names {@link Balancer#named} takes
 * @param faults      the phases, in order
 * @param settings    builder settings for every pool, YAML key to value ({@link BuilderSettings})
 * @param probe       whether the socket factory carries the line protocol's probe ({@code PING}, {@code PONG}), as a
 *                    user's factory would (a Redis one {@code PING}s); {@code socket.probe.*} in the settings
 *                    override it
 * @param runs        how often everything is run; the tables show the medians
 * @param out         where report.md goes
 */
record FaultOptions(int servers, int threads, Duration readTimeout, Duration baseDelay, Duration warmup,
                    Duration measure, Duration lead, Duration hang, Duration flap, Duration watch,
                    List<String> balancers, List<Fault> faults, Map<String, String> settings, boolean probe, int runs,
                    Path out) {

    static final String USAGE = "usage: FaultBench [--balancers " + String.join(",", Balancer.NAMES) + "]"
            + " [--phases " + String.join(",", Fault.keys()) + "] [--set key=value]... [--probe on|off] [--runs 1]"
            + " [--servers 3] [--threads 16] [--read-timeout 1s] [--base-delay 1ms] [--warmup 1s] [--measure 5s]"
            + " [--lead 1s] [--hang 4s] [--flap 2s] [--watch 4s] [--out connpool-benchmarks/target/fault]";

    FaultOptions {
        if (servers < 3) {
            throw new IllegalArgumentException("--servers must be at least 3, got " + servers);
        }
        if (threads < 1 || runs < 1) {
            throw new IllegalArgumentException("--threads and --runs must be at least 1, got " + threads + ", " + runs);
        }
        if (balancers.isEmpty() || faults.isEmpty()) {
            throw new IllegalArgumentException("--balancers and --phases need at least one name each");
        }
        for (String b : balancers) {
            Balancer.named(b); // an unknown name fails here, with the list
        }
        balancers = List.copyOf(balancers);
        faults = List.copyOf(faults);
        settings = Map.copyOf(settings);
    }

    /** The defaults, as the table measured. */
    static FaultOptions defaults() {
        return parse(new String[0]);
    }

    static FaultOptions parse(String[] args) {
        int servers = 3;
        int threads = 16;
        int runs = 1;
        Duration readTimeout = Duration.ofSeconds(1);
        Duration baseDelay = Duration.ofMillis(1);
        Duration warmup = Duration.ofSeconds(1);
        Duration measure = Duration.ofSeconds(5);
        Duration lead = Duration.ofSeconds(1);
        Duration hang = Duration.ofSeconds(4);
        Duration flap = Duration.ofSeconds(2);
        Duration watch = Duration.ofSeconds(4);
        List<String> balancers = new ArrayList<>(Balancer.NAMES);
        List<Fault> faults = Arrays.asList(Fault.values());
        Map<String, String> settings = new LinkedHashMap<>();
        boolean probe = true;
        Path out = Paths.get("connpool-benchmarks", "target", "fault");
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help") || option.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + " needs a value; " + USAGE);
            }
            String value = args[++i];
            switch (option) {
                case "--balancers" -> balancers = List.of(value.split(","));
                case "--phases" -> faults = Arrays.stream(value.split(",")).map(Fault::named).toList();
                case "--set" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set takes key=value, got '" + value + "'");
                    }
                    settings.put(value.substring(0, eq).strip(), value.substring(eq + 1).strip());
                }
                case "--probe" -> probe = onOff(option, value);
                case "--runs" -> runs = integer(option, value);
                case "--servers" -> servers = integer(option, value);
                case "--threads" -> threads = integer(option, value);
                case "--read-timeout" -> readTimeout = duration(option, value);
                case "--base-delay" -> baseDelay = duration(option, value);
                case "--warmup" -> warmup = duration(option, value);
                case "--measure" -> measure = duration(option, value);
                case "--lead" -> lead = duration(option, value);
                case "--hang" -> hang = duration(option, value);
                case "--flap" -> flap = duration(option, value);
                case "--watch" -> watch = duration(option, value);
                case "--out" -> out = Paths.get(value);
                default -> throw new IllegalArgumentException("unknown option " + option + "; " + USAGE);
            }
        }
        return new FaultOptions(servers, threads, readTimeout, baseDelay, warmup, measure, lead, hang, flap, watch,
                balancers, faults, settings, probe, runs, out);
    }

    /** The same options with a longer watch (to see a slow start to its end). */
    FaultOptions withWatch(Duration longer) {
        return new FaultOptions(servers, threads, readTimeout, baseDelay, warmup, measure, lead, hang, flap, longer,
                balancers, faults, settings, probe, runs, out);
    }

    /**
     * The socket factory's probe request and reply prefix: those of {@code socket.probe.*} in the settings, else the
     * line protocol's ({@code --probe on}, the default), else none.
     *
     * @return request and reply, or null for no probe (a trial by lease, see {@code ConnectionFactory.probeIsRoundTrip})
     */
    String[] probeLine() {
        String request = settings.get("socket.probe.request");
        if (request != null) {
            String reply = settings.get("socket.probe.reply");
            return new String[] {request, reply == null ? "" : reply};
        }
        return probe ? new String[] {"PING\n", "PONG"} : null;
    }

    private static boolean onOff(String option, String value) {
        return switch (value.strip()) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException(option + " takes on or off, got '" + value + "'");
        };
    }

    private static int integer(String option, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, got '" + value + "'");
        }
    }

    private static Duration duration(String option, String value) {
        Duration d = BuilderSettings.duration(option, value);
        if (d.isNegative()) {
            throw new IllegalArgumentException(option + " must not be negative, got " + value);
        }
        return d;
    }
}
