package dev.connpool.benchmarks.fault;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The phases of the fault benchmark: what goes wrong with which server, and when. Server 0 is the faulty one
 * (servers 0 and 1 for {@link #TWO_DOWN}). A steady fault ({@link #before}) is in place from the warm-up on,
 * so the measurement sees the pool settled on it; a fault with a course ({@link #events}) starts
 * {@code lead} into the measurement, which lasts until its return has been watched.
 */
enum Fault {
    /** Every server at the base delay. */
    HEALTHY("healthy", "all healthy"),
    /** Server 0 at 10 x the base delay. */
    SLOW_10X("slow10", "one 10x slower"),
    /** Server 0 at 100 x the base delay. */
    SLOW_100X("slow100", "one 100x slower"),
    /** Server 0 hangs (accepts and reads, answers nothing) for {@code hang}, then answers again. */
    HANG("hang", "one hangs, then recovers"),
    /** Servers 0 and 1 down (connects refused) throughout. */
    TWO_DOWN("two-down", "two of three down"),
    /** Server 0 down for {@code flap}, up for {@code flap}, and so on. */
    FLAPPING("flapping", "one flapping");

    /** The name on the command line. */
    final String key;
    final String label;

    Fault(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The fault of that {@link #key}; the message lists them. */
    static Fault named(String key) {
        for (Fault f : values()) {
            if (f.key.equals(key.strip().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown phase '" + key + "'; the phases are " + keys());
    }

    static List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (Fault f : values()) {
            keys.add(f.key);
        }
        return keys;
    }

    /** The label with this run's times, for the tables. */
    String label(FaultOptions o) {
        return switch (this) {
            case SLOW_10X, SLOW_100X -> label + " (" + millis(slowDelay(o)) + ")";
            case HANG -> "one hangs " + seconds(o.hang()) + ", then recovers";
            case FLAPPING -> "one flapping every " + seconds(o.flap());
            default -> label;
        };
    }

    Duration slowDelay(FaultOptions o) {
        return o.baseDelay().multipliedBy(this == SLOW_100X ? 100 : 10);
    }

    /** The steady part, in place before the warm-up. */
    void before(List<LineServer> servers, FaultOptions o) {
        switch (this) {
            case SLOW_10X, SLOW_100X -> servers.get(0).delay(slowDelay(o));
            case TWO_DOWN -> {
                servers.get(0).down();
                servers.get(1).down();
            }
            default -> {
            }
        }
    }

    /** The fault's course, offsets from the start of the measurement, in order. */
    List<FaultEvent> events(FaultOptions o) {
        List<FaultEvent> events = new ArrayList<>();
        if (this == HANG) {
            events.add(new FaultEvent(o.lead(), 0, "hangs", s -> s.hang(true), false));
            events.add(new FaultEvent(o.lead().plus(o.hang()), 0, "answers again", s -> s.hang(false), true));
        } else if (this == FLAPPING) {
            Duration end = measureFor(o);
            boolean down = true;
            for (Duration at = o.lead(); at.compareTo(end) < 0; at = at.plus(o.flap()), down = !down) {
                events.add(down ? new FaultEvent(at, 0, "down", LineServer::down, false)
                        : new FaultEvent(at, 0, "up", LineServer::up, true));
            }
        }
        return events;
    }

    /** How long this phase is measured. */
    Duration measureFor(FaultOptions o) {
        Duration course = switch (this) {
            case HANG -> o.lead().plus(o.hang()).plus(o.watch());
            case FLAPPING -> o.lead().plus(o.flap().multipliedBy(4));
            default -> Duration.ZERO;
        };
        return course.compareTo(o.measure()) > 0 ? course : o.measure();
    }

    /** Servers this phase takes down for good, who must serve no call. */
    List<Integer> downThroughout() {
        return this == TWO_DOWN ? List.of(0, 1) : List.of();
    }

    static String millis(Duration d) {
        return d.toNanos() % 1_000_000 == 0 ? d.toMillis() + " ms" : String.format(Locale.ROOT, "%.2f ms", d.toNanos() / 1e6);
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Something done to one server at a time into the measurement; {@code returns}: it can serve again. */
    record FaultEvent(Duration at, int server, String what, ServerAction action, boolean returns) {
    }

    /** What an event does to its server. */
    @FunctionalInterface
    interface ServerAction {
        void apply(LineServer server) throws IOException;
    }
}
