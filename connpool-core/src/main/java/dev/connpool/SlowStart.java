package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Slow start ({@code slow-start.window}): a server that joins after the pool was built, or is re-admitted
 * after an ejection, ramps up. Its weight grows linearly from {@link #MIN_WEIGHT} to 1 over the window, and a
 * pick of it stands with that probability ({@link ServerPicker} picks again otherwise); while it ramps, its new
 * connections are opened at most max-active a second ({@link #mayConnect}).
 *
 * <p>The {@link Housekeeper} begins a ramp when a server becomes usable and ends it when the window is
 * over; what a pick pays while no server ramps is one volatile read ({@link #anyRamping}).
 */
final class SlowStart {

    private static final VarHandle RAMPING;

    static {
        try {
            RAMPING = MethodHandles.lookup().findVarHandle(SlowStart.class, "ramping", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The weight a ramping server starts with: a pick of it stands one time in ten at first. */
    static final double MIN_WEIGHT = 0.1;

    private final long windowNanos;
    /** While a server ramps, one new connection to it per this many nanoseconds: max-active a second. */
    private final long connectSpacingNanos;
    private final NanoClock clock;
    private final ServerMembers members;
    /** How many servers ramp now: a field of this object (no atomic of its own), read by every pick. */
    private volatile int ramping;
    /** Off until the pool's initial servers are in: they start at full share. */
    private volatile boolean armed;

    SlowStart(PoolSettings settings, NanoClock clock, ServerMembers members) {
        this.members = members;
        this.windowNanos = settings.slowStart().window().toNanos();
        this.connectSpacingNanos = 1_000_000_000L / settings.limits().maxActive();
        this.clock = clock;
    }

    /** From now on, servers that become usable ramp (called once the initial servers joined). */
    void arm() {
        armed = true;
    }

    /**
     * Starts (or starts again) the ramp of a server that joined or came back.
     *
     * @return the nanoseconds until the ramp ends (when to call {@link #end}), or 0 when it does not ramp
     */
    long begin(ServerEntry entry) {
        if (windowNanos == 0 || !armed) {
            return 0;
        }
        long now = clock.nanoTime();
        entry.rampStartNanos = now;
        entry.nextConnectNanos(now);
        if (entry.casRamping(false, true)) {
            RAMPING.getAndAdd(this, 1);
        }
        return windowNanos;
    }

    /**
     * Ends the ramp if its window is over.
     *
     * @return the nanoseconds still to go (call again then), or 0 when it is over (or there was none)
     */
    long end(ServerEntry entry) {
        if (!entry.ramping()) {
            return 0;
        }
        long left = entry.rampStartNanos + windowNanos - clock.nanoTime();
        if (left > 0) {
            return left;
        }
        if (entry.casRamping(true, false)) {
            RAMPING.getAndAdd(this, -1);
        }
        return 0;
    }

    /** Ends a server's ramp now, whatever is left of it (it was ejected). */
    void cancel(ServerEntry entry) {
        if (entry.casRamping(true, false)) {
            RAMPING.getAndAdd(this, -1);
        }
    }

    /** Whether any server ramps now: the one read a pick pays when none does. */
    boolean anyRamping() {
        return ramping != 0;
    }

    /** The weight of a ramping server at {@code now}: from {@link #MIN_WEIGHT} to 1 over the window. */
    double weight(ServerEntry entry, long now) {
        long elapsed = now - entry.rampStartNanos;
        if (elapsed >= windowNanos) {
            return 1.0;
        }
        return Math.max(MIN_WEIGHT, (double) elapsed / windowNanos);
    }

    /**
     * Whether a pick of {@code entry} stands: yes unless it ramps; then with the probability of its weight,
     * and only when it has an idle connection or may open one now.
     */
    boolean admits(ServerEntry entry) {
        if (!entry.ramping()) {
            return true;
        }
        long now = clock.nanoTime();
        if (ThreadLocalRandom.current().nextDouble() >= weight(entry, now)) {
            return false;
        }
        return !IdleStack.isEmpty(entry) || now - entry.nextConnectNanos() >= 0 || now - entry.rampStartNanos >= windowNanos;
    }

    /**
     * Takes the right to open one new connection to the server now: always granted unless it ramps; then
     * one per {@code 1 s / max-active}, none saved up, unless no other server could take the load (every other
     * server accepting borrows ramps too, or there is none): a server the pool cannot do without is not held back.
     */
    boolean mayConnect(ServerEntry entry) {
        if (!entry.ramping()) {
            return true;
        }
        long now = clock.nanoTime();
        if (now - entry.rampStartNanos >= windowNanos) {
            return true;
        }
        while (true) {
            long next = entry.nextConnectNanos();
            if (now - next < 0) {
                return !othersServe(entry);
            }
            if (entry.casNextConnect(next, now + connectSpacingNanos)) {
                return true;
            }
        }
    }

    /** Whether another active server, not ramping, accepts borrows (a walk of the members, on a refusal only). */
    private boolean othersServe(ServerEntry entry) {
        for (ServerEntry other : members.acceptingBorrows()) {
            if (other != entry && other.state() == ServerState.ACTIVE && !other.ramping()) {
                return true;
            }
        }
        return false;
    }
}
