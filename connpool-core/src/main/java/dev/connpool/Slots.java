package dev.connpool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The limits on how many connections exist: max-active per server, max-total over the pool. A slot is
 * taken before a connect starts and given back when the connection is destroyed (or the connect failed),
 * so a limit holds while connects are under way too. Taking a slot never waits: a borrower that finds
 * none waits in a {@link WaitQueue}.
 */
final class Slots {

    /** {@link #tryTake} answers. */
    enum Outcome { TAKEN, SERVER_FULL, POOL_FULL }

    private final int maxActive;
    /** Pool-wide limit, or 0 for none. */
    private final int maxTotal;
    private final AtomicInteger total = new AtomicInteger();

    Slots(int maxActive, int maxTotal) {
        this.maxActive = maxActive;
        this.maxTotal = Math.max(0, maxTotal);
    }

    /** Whether a pool-wide max-total exists. */
    boolean poolWide() {
        return maxTotal > 0;
    }

    /** Takes a slot of the server, and of the pool when it has a max-total. */
    Outcome tryTake(ServerEntry entry) {
        if (!entry.tryTakeSlot(maxActive)) {
            return Outcome.SERVER_FULL;
        }
        if (maxTotal > 0) {
            int taken;
            do {
                taken = total.get();
                if (taken >= maxTotal) {
                    entry.giveBackSlot();
                    return Outcome.POOL_FULL;
                }
            } while (!total.compareAndSet(taken, taken + 1));
        }
        return Outcome.TAKEN;
    }

    /** Gives back a slot {@link #tryTake} took. */
    void giveBack(ServerEntry entry) {
        if (maxTotal > 0) {
            total.decrementAndGet();
        }
        entry.giveBackSlot();
    }
}
