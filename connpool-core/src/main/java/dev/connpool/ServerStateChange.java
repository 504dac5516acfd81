package dev.connpool;

import java.time.Instant;

/**
 * One change of a server's state, with its cause: what {@link ServerStats#history()} keeps, the last few per
 * server, so that "why is this server ejected?" has an answer in the stats, the starter's health details and
 * its {@code connpools} endpoint. Immutable.
 *
 * <p>{@code from} and {@code to} are equal when the state stayed but the server's
 * {@linkplain ServerStats#usable() usability} changed: it became failing without being ejected (the
 * {@code ejection.max-percent} cap, or the never-all rule, kept it in), or a passed health probe made such a
 * failing server usable again.
 *
 * <p>The {@code reason}s, each with its usual origin:
 * <ul>
 *   <li>{@code "added"}: it joined the pool ({@code from} is {@code null}), or a draining server was taken
 *       back ({@link Origin#OPERATOR});</li>
 *   <li>{@code "removed"}: it is draining ({@link Origin#OPERATOR});</li>
 *   <li>{@code "failures in a row"}: {@code ejection.consecutive-failures} failures ejected it, or, with
 *       {@code from == to}, made it failing ({@link Origin#TRAFFIC}, or {@link Origin#PROBE} for min-idle
 *       refills);</li>
 *   <li>{@code "probe failed"}: a health probe ({@code health-check.interval}) could not connect or the new
 *       connection failed validation ({@link Origin#PROBE});</li>
 *   <li>{@code "trial failed"}, {@code "trial passed"}: the one trial of a probing server, by a borrow
 *       ({@link Origin#TRAFFIC}, only when the factory's probe is no round trip, see
 *       {@link ConnectionFactory#probeIsRoundTrip}) or by the pool ({@link Origin#PROBE}); a failed trial goes
 *       to {@code ACTIVE}, failing, when {@code ejection.max-percent} forbids another ejection;</li>
 *   <li>{@code "probe passed"}: a failing server that was not ejected answered a health probe
 *       ({@link Origin#PROBE});</li>
 *   <li>{@code "ejection over"}: its ejection time ended, it is on trial ({@link Origin#TIMER});</li>
 *   <li>{@code "every server failing"}: the server that failed least recently went back on trial because
 *       another one was ejected and none was left usable (the origin of that ejection);</li>
 *   <li>{@code "ejected by operator"}, {@code "re-admitted by operator"}: {@link MultiPool#eject},
 *       {@link MultiPool#readmit} ({@link Origin#OPERATOR}).</li>
 * </ul>
 *
 * @param at        when it happened (wall clock, as read when the stats were taken)
 * @param from      the state before, or {@code null} when the server joined
 * @param to        the state after
 * @param origin    who caused it: traffic, the pool's probe, an operator, or the end of an ejection
 * @param reason    what happened, one of the texts above
 * @param kind      what the failure behind it says ({@link ConnectionFactory#classify}; always
 *                  {@link FailureKind#SERVER} for a failed connect or probe), or {@code null} when no failure
 *                  caused it, or the failure carried no exception (an invalidated lease)
 * @param exception the class name of that failure (the factory's exception, not connpool's wrapper), or
 *                  {@code null}
 * @param message   its message, at most 200 characters, or {@code null}
 */
public record ServerStateChange(Instant at, ServerState from, ServerState to, Origin origin, String reason,
                                FailureKind kind, String exception, String message) {

    /** Who caused a state change. */
    public enum Origin {
        /** A borrow, a lease or a work: the application's own calls. */
        TRAFFIC,
        /**
         * The pool's own background connects: a health probe ({@code health-check.interval}), the trial it
         * runs when an ejection ends, a min-idle refill.
         */
        PROBE,
        /**
         * A call of {@link MultiPool#eject}, {@link MultiPool#readmit}, {@link MultiPool#addServer},
         * {@link MultiPool#removeServer} or {@link MultiPool#updateServers}: a person, the starter's
         * {@code connpools} endpoint, or a discovery such as ZooKeeper's.
         */
        OPERATOR,
        /** The end of an ejection's time. */
        TIMER
    }
}
