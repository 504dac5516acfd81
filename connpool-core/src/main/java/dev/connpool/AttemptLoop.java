package dev.connpool;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The attempt loop of {@link MultiPool#borrow()} and {@link MultiPool#execute(PoolCallback)}: pick a
 * server not tried yet in this call, borrow from it ({@link ServerBorrower#lend}), run the work, and on a
 * failure to connect (or an {@link IOException} of the work) back off and fail over to another server, up
 * to {@code retry.attempts} attempts. The last failure is thrown with the earlier ones suppressed.
 */
final class AttemptLoop<C> {

    private final PoolErrors errors;
    private final ServerRegistry registry;
    private final ServerBorrower<C> borrower;
    private final Shutdown<C> shutdown;
    private final ServerPicker picker;
    private final Backoff backoff;
    private final int attempts;
    private final NanoClock clock;

    AttemptLoop(PoolSettings settings, PoolErrors errors, ServerRegistry registry, ServerBorrower<C> borrower,
                Shutdown<C> shutdown, NanoClock clock) {
        this.errors = errors;
        this.registry = registry;
        this.borrower = borrower;
        this.shutdown = shutdown;
        this.picker = new ServerPicker(registry, settings.balancer(), errors);
        this.backoff = new Backoff(settings.retry().backoff().min(), settings.retry().backoff().max(), settings.retry().backoff().factor(),
                settings.retry().backoff().jitter());
        this.attempts = settings.retry().attempts();
        this.clock = clock;
    }

    /** Runs the loop: {@code work == null} returns the lease ({@link MultiPool#borrow()}), else the work's result. */
    @SuppressWarnings("unchecked")
    <R> R run(PoolCallback<C, R> work) {
        shutdown.ensureOpen();
        ServerEntry[] tried = null;
        List<PoolException> failures = null;
        for (int attempt = 1; ; attempt++) {
            ServerEntry entry = picker.pick(tried, attempt - 1); // may take a probing server's trial permit
            if (entry == null) {
                throw errors.noServer(registry.all(), failures);
            }
            PoolException failure = null;
            PooledLease<C> lease = null;
            try {
                lease = borrower.lend(entry); // gives the permit up unless the lease or a failed connect took it
                if (lease == null) { // ejected or removed while we borrowed: out of the usable list now
                    attempt--;
                    continue;
                }
            } catch (ConnectFailedException e) {
                failure = e;
            }
            if (lease != null) {
                if (work == null) {
                    return (R) lease;
                }
                try {
                    R result = work.apply(lease.connection());
                    lease.close();
                    return result;
                } catch (IOException e) {
                    lease.invalidate(e);
                    failure = errors.workFailed(entry.address, attempt, attempts, e);
                } catch (RuntimeException | Error e) {
                    lease.discard();
                    throw e;
                } catch (Exception e) {
                    lease.discard();
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    throw errors.workFailed(entry.address, e);
                } catch (Throwable e) { // neither an Exception nor an Error: the connection goes all the same
                    lease.discard();
                    throw e;
                }
            }
            failures = failures == null ? new ArrayList<>(attempts) : failures;
            failures.add(failure);
            if (attempt >= attempts) {
                throw lastOf(failures);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw errors.interruptedBetweenAttempts(failures);
            }
            tried = remember(tried, attempt - 1, entry);
            pause(attempt, failures);
        }
    }

    private void pause(int attempt, List<PoolException> failures) {
        long nanos = backoff.delayNanos(attempt, ThreadLocalRandom.current().nextDouble());
        if (nanos <= 0) {
            return;
        }
        try {
            clock.sleepNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interruptedWhileBackingOff(e, failures);
        }
        shutdown.ensureOpen();
    }

    private static PoolException lastOf(List<PoolException> failures) {
        PoolException last = failures.get(failures.size() - 1);
        for (int i = 0; i < failures.size() - 1; i++) {
            last.addSuppressed(failures.get(i));
        }
        return last;
    }

    private ServerEntry[] remember(ServerEntry[] tried, int count, ServerEntry entry) {
        ServerEntry[] array = tried == null ? new ServerEntry[attempts] : tried;
        array[count] = entry;
        return array;
    }
}
