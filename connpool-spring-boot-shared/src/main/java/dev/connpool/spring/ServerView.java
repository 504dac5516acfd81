package dev.connpool.spring;

import dev.connpool.ServerState;
import dev.connpool.ServerStateChange;
import dev.connpool.ServerStats;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One server of a pool as the starter shows it, with one set of field names wherever it shows it: the
 * {@code connpool} health details, the {@code connpools} actuator endpoint and the sample's live page. The
 * names are {@link ServerStats}'s; the address and the end of an ejection are text.
 *
 * @param server        the server, {@code host:port}
 * @param state         its health state
 * @param usable        whether it can serve a borrow now: its state accepts borrows and it is not failing
 *                      (see {@link ServerStats#usable()}); what {@code usableServers} counts
 * @param active        connections lent out now
 * @param idle          idle connections
 * @param waiting       borrowers waiting for one of its connections
 * @param created       connections opened since it joined
 * @param destroyed     connections closed since it joined
 * @param borrowed      leases handed out since it joined
 * @param failures      consecutive failures (reset by a lease closed normally)
 * @param ejections     how many times it was ejected
 * @param ejectedUntil  when its ejection ends (ISO-8601), or {@code null} unless EJECTED
 * @param overdueLeases leases held longer than {@code leak-detection-threshold} (0 while it is off)
 * @param history       its last state changes (at most 5), newest first, each with its cause: why it is
 *                      ejected (see {@link ServerStateChange})
 */
public record ServerView(String server, ServerState state, boolean usable, int active, int idle, int waiting,
                         long created, long destroyed, long borrowed, int failures, long ejections,
                         @Nullable String ejectedUntil, int overdueLeases, List<Change> history) {

    /**
     * One state change of the server and its cause, as text (see {@link ServerStateChange}).
     *
     * @param at        when (ISO-8601)
     * @param from      the state before, or {@code null} when the server joined
     * @param to        the state after
     * @param origin    {@code TRAFFIC}, {@code PROBE}, {@code OPERATOR} or {@code TIMER}
     * @param reason    what happened, such as {@code "probe failed"} or {@code "failures in a row"}
     * @param kind      {@code CONNECTION}, {@code SERVER} or {@code WORK}: what the failure behind it says,
     *                  or {@code null}
     * @param exception the failure's class name, or {@code null}
     * @param message   its message (at most 200 characters), or {@code null}
     */
    public record Change(String at, @Nullable String from, String to, String origin, String reason,
                         @Nullable String kind, @Nullable String exception, @Nullable String message) {

        /**
         * Views a state change.
         *
         * @param change the change
         * @return the view
         */
        public static Change of(ServerStateChange change) {
            return new Change(change.at().toString(), change.from() == null ? null : change.from().name(),
                    change.to().name(), change.origin().name(), change.reason(),
                    change.kind() == null ? null : change.kind().name(), change.exception(), change.message());
        }
    }

    /**
     * Views a server's stats.
     *
     * @param stats the server's stats
     * @return the view
     */
    public static ServerView of(ServerStats stats) {
        return new ServerView(stats.server().toString(), stats.state(), stats.usable(), stats.active(), stats.idle(),
                stats.waiting(), stats.created(), stats.destroyed(), stats.borrowed(), stats.failures(),
                stats.ejections(), stats.ejectedUntil() == null ? null : stats.ejectedUntil().toString(),
                stats.overdueLeases(), stats.history().stream().map(Change::of).toList());
    }

    /**
     * The same fields as a map, in the same order and under the same names (for health details, which are
     * maps); the state as its name.
     *
     * @return a new mutable map
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (RecordComponent component : ServerView.class.getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(this);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(e);
            }
            map.put(component.getName(), value instanceof ServerState state ? state.name() : value);
        }
        return map;
    }
}
