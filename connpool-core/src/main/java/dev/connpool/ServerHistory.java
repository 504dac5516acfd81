package dev.connpool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The last {@link #SIZE} state changes of one server, each with its cause (see {@link ServerStateChange}).
 * Bounded: at most {@link #SIZE} small records, no {@link Throwable} kept (its class name and a message cut
 * to {@link #MAX_MESSAGE} characters only). Written by the {@link ServerRegistry} where a transition
 * happens, read without a lock by the stats: the list is immutable and replaced by compare-and-set. Nothing
 * on the borrow or return path writes here.
 */
final class ServerHistory {

    /** How many changes each server keeps. */
    static final int SIZE = 5;
    /** The longest message kept. */
    static final int MAX_MESSAGE = 200;

    /**
     * Why a change happens, made before the registry takes its lock (classifying calls the user's factory).
     *
     * @param origin    who caused it
     * @param reason    what happened (see {@link ServerStateChange})
     * @param kind      what the failure says, or null
     * @param exception the failure's class name, or null
     * @param message   its message, cut, or null
     */
    record Cause(ServerStateChange.Origin origin, String reason, FailureKind kind, String exception, String message) {

        /** A cause without a failure. */
        static Cause of(ServerStateChange.Origin origin, String reason) {
            return new Cause(origin, reason, null, null, null);
        }

        /** The same failure, with another reason (a consequence of the change it caused). */
        Cause because(String otherReason) {
            return new Cause(origin, otherReason, kind, exception, message);
        }
    }

    /** One change as stored: time on the pool's clock. */
    private record Change(long atNanos, ServerState from, ServerState to, Cause cause) {
    }

    private final AtomicReference<List<Change>> changes = new AtomicReference<>(List.of());

    /** Keeps a change, dropping the oldest beyond {@link #SIZE}. */
    void record(long nowNanos, ServerState from, ServerState to, Cause cause) {
        Change change = new Change(nowNanos, from, to, cause);
        List<Change> before;
        List<Change> after;
        do {
            before = changes.get();
            List<Change> next = new ArrayList<>(Math.min(SIZE, before.size() + 1));
            next.add(change);
            next.addAll(before.subList(0, Math.min(before.size(), SIZE - 1)));
            after = List.copyOf(next);
        } while (!changes.compareAndSet(before, after));
    }

    /**
     * The changes, newest first, with wall-clock times.
     *
     * @param nowNanos the pool's clock now
     * @param wallNow  the wall clock now
     */
    List<ServerStateChange> snapshot(long nowNanos, Instant wallNow) {
        List<Change> kept = changes.get();
        List<ServerStateChange> out = new ArrayList<>(kept.size());
        for (Change c : kept) {
            Cause cause = c.cause();
            out.add(new ServerStateChange(wallNow.minusNanos(Math.max(0, nowNanos - c.atNanos())), c.from(), c.to(),
                    cause.origin(), cause.reason(), cause.kind(), cause.exception(), cause.message()));
        }
        return List.copyOf(out);
    }

    /**
     * The cause of a change a failure made: the failure classified by the factory ({@link FailureKind#SERVER}
     * for a failed connect or a new connection that failed validation), its class and message. connpool's
     * own wrapper of a failed connect is looked through, to the factory's exception.
     *
     * @param classifier the factory's {@link ConnectionFactory#classify}
     */
    static Cause failure(ServerStateChange.Origin origin, String reason, ServerAddress server, Throwable failure,
                         Classifier classifier) {
        if (failure == null) {
            return new Cause(origin, reason, null, null, "a lease was invalidated");
        }
        Throwable shown = failure instanceof ConnectFailedException && failure.getCause() != null
                ? failure.getCause() : failure;
        FailureKind kind;
        try {
            // a failed connect (or a new connection that failed validation) is the server's, whatever the exception
            kind = failure instanceof ConnectFailedException ? FailureKind.SERVER : classifier.classify(server, failure);
        } catch (RuntimeException e) {
            kind = null; // classify must not throw; if it does, the change is recorded without a kind
        }
        String message = shown.getMessage();
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 3) + "...";
        }
        return new Cause(origin, reason, kind, shown.getClass().getName(), message);
    }

    /** {@link ConnectionFactory#classify}, as the registry holds it. */
    @FunctionalInterface
    interface Classifier {
        /** Never throws in a well-behaved factory; a thrown exception leaves the kind out. */
        FailureKind classify(ServerAddress server, Throwable failure);

        /** For a registry without a factory (tests): no kind. */
        Classifier NONE = (server, failure) -> null;
    }
}
