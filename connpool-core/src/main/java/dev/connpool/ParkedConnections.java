package dev.connpool;

import java.util.ArrayList;
import java.util.List;

/**
 * The fast path: idle connections wait on their server's {@link IdleStack}, and a borrow of the server
 * takes one with a single CAS, a return gives it back with another; no lock, no clock read unless
 * max-lifetime is set.
 *
 * <p><b>Idle</b>, in one place: a connection is idle while it is parked on its server's stack, and only
 * then; {@link #count} counts those. Every other live connection is <b>active</b> (lent out, or on its
 * way between a lease and the stack): see {@link ConnectionEngine#active}.
 *
 * <p>Max-idle is checked here only, and atomically: with a max-idle below max-active the stack counts
 * what it holds and a park that would pass the bound is refused (the caller destroys the connection);
 * otherwise the bound can never be passed and nothing is counted.
 */
final class ParkedConnections<C> {

    private final ConnectionLifecycle<C> lifecycle;
    private final boolean validateOnBorrow;
    /** Max-idle when below max-active (the stack is then bounded), else -1. */
    private final int bound;

    ParkedConnections(PoolSettings settings, ConnectionLifecycle<C> lifecycle) {
        this.lifecycle = lifecycle;
        this.validateOnBorrow = settings.validation().onBorrow();
        this.bound = settings.limits().maxIdle() < settings.limits().maxActive() ? settings.limits().maxIdle() : -1;
    }

    /**
     * A parked connection of the server ready to lend (validated when validate-on-borrow is on), or null
     * when none is parked; expired and invalid ones are destroyed on the way.
     */
    PooledConnection<C> take(ServerEntry entry) {
        PooledConnection<C> pooled;
        while ((pooled = pop(entry)) != null) {
            pooled = ready(pooled);
            if (pooled != null) {
                return pooled;
            }
        }
        return null;
    }

    /** {@code pooled}, just taken off the stack or handed over, if fit to lend; else destroyed, and null. */
    PooledConnection<C> ready(PooledConnection<C> pooled) {
        if (lifecycle.expired(pooled) || (validateOnBorrow && !lifecycle.stillValid(pooled))) {
            lifecycle.destroy(pooled);
            return null;
        }
        // written whatever they held, without a branch: the lease writes to the connection anyway, and a branch
        // whose other side first runs when a maintenance run stamps parked connections (a second or so in)
        // throws the compiled borrow away (see docs/benchmarks.md)
        pooled.idleSinceNanos = 0;
        pooled.reused = true;
        return pooled;
    }

    /** Takes a parked connection off the stack as it is (no check), or null. */
    PooledConnection<C> pop(ServerEntry entry) {
        PooledConnection<C> pooled = cast(IdleStack.pop(entry));
        if (bound >= 0 && pooled != null) {
            IdleStack.unreserve(entry, 1);
        }
        return pooled;
    }

    /** Parks a connection; false when the server has max-idle parked already (the caller destroys it). */
    boolean park(PooledConnection<C> pooled) {
        ServerEntry entry = pooled.entry;
        if (bound >= 0 && !IdleStack.tryReserve(entry, bound)) {
            return false;
        }
        IdleStack.push(entry, pooled);
        return true;
    }

    /** Takes every parked connection of the server off its stack (most recently parked first, but for the slot). */
    List<PooledConnection<C>> takeAll(ServerEntry entry) {
        List<PooledConnection<?>> all = IdleStack.popAll(entry);
        if (all.isEmpty()) {
            return List.of();
        }
        if (bound >= 0) {
            IdleStack.unreserve(entry, all.size());
        }
        List<PooledConnection<C>> typed = new ArrayList<>(all.size());
        all.forEach(pooled -> typed.add(cast(pooled)));
        return typed;
    }

    /** The server's idle connections. */
    int count(ServerEntry entry) {
        return IdleStack.count(entry);
    }

    @SuppressWarnings("unchecked")
    private static <C> PooledConnection<C> cast(PooledConnection<?> pooled) {
        return (PooledConnection<C>) pooled;
    }
}
