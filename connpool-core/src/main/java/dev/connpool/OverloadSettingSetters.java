package dev.connpool;

import java.time.Duration;

/**
 * The setters of {@link MultiPool.Builder} for the settings against overload: the retry budget
 * ({@code retry.budget.*}) and hedged execute ({@code hedge.delay}), each writing the {@link PoolSettingsDraft}; apart
 * from {@link PoolSettingSetters} so that each file stays one concern of a readable size. Package-private: users see
 * these methods as {@code MultiPool.Builder}'s own.
 *
 * @param <C> the connection type
 */
abstract class OverloadSettingSetters<C> extends PoolSettingSetters<C> {

    OverloadSettingSetters() {
    }

    /**
     * The share of the calls the whole pool may retry ({@code retry.budget.ratio}). Default 0.2.
     *
     * <p>The <b>retry budget</b> (Finagle's, Envoy's and gRPC's answer to retry storms): every call that may
     * retry ({@code borrow()}, {@code execute}, {@code borrowFor}, {@code executeFor}) deposits {@code ratio}
     * tokens when it starts; each retry on another server and each hedge withdraws one; and
     * {@code min-per-second x window} tokens are always there, so that a pool with little traffic can still
     * fail over. Deposits and withdrawals count for {@code retry.budget.window}. So over any window, retries
     * and hedges stay within {@code ratio x calls + min-per-second x window}, whatever {@code retry.attempts}
     * allows one call. When a call would retry and there is no token, its failure is thrown at once (the same
     * exception, its message saying the budget is spent) and counted ({@link RetryStats#budgetExhausted()};
     * the starter's {@code connpool.retry.budget.exhausted}).
     *
     * <p>Why: a pool that loses two of three servers without a budget makes up to {@code retry.attempts}
     * attempts per call, most of them on dead servers, and sends every call's load through the third at once;
     * with it, a call makes at most 1.2 attempts on average once the reserve is spent. The second run of
     * {@code execute}'s work on a new connection to the same server, after a reused one broke, takes no token:
     * it charges nobody and is at most one per attempt. A ratio of {@code retry.attempts - 1} or more does not limit:
     * each call deposits what it may take (only a call longer than the window could find no token).
     *
     * @param ratio 0.0 to 1000.0
     * @return this builder
     */
    public MultiPool.Builder<C> retryBudgetRatio(double ratio) {
        draft.retryBudgetRatio = ratio;
        return self();
    }

    /**
     * Retries the pool may make per second of the window whatever its traffic ({@code retry.budget.min-per-second});
     * the reserve is this times the window. Default 10.
     *
     * @param minPerSecond 0 or more
     * @return this builder
     */
    public MultiPool.Builder<C> retryBudgetMinPerSecond(int minPerSecond) {
        draft.retryBudgetMinPerSecond = minPerSecond;
        return self();
    }

    /**
     * How long a call's deposit and a retry's withdrawal count ({@code retry.budget.window}). Default 10 s.
     *
     * @param window 1 s to 60 s
     * @return this builder
     */
    public MultiPool.Builder<C> retryBudgetWindow(Duration window) {
        draft.retryBudgetWindow = window;
        return self();
    }

    /**
     * Hedges {@link MultiPool#execute(PoolCallback)} and {@link MultiPool#execute(ServerCallback)}
     * ({@code hedge.delay}): when the call's attempt has not answered after this delay, the same work starts on
     * another server, and the first success is the answer. Default {@link HedgeDelay#off()}. Needs
     * {@link MultiPool.Builder#hedgeExecutor(java.util.concurrent.Executor)}.
     *
     * <p><b>The work must be idempotent and safe to run twice at once</b>, on two connections to two servers:
     * every {@code execute} of a hedging pool is hedged (the pinned {@code execute(server, work)},
     * {@code executeFor} and {@code borrow} never are). Only reads, or writes that may be applied twice.
     *
     * <p><b>How:</b> the call's attempts run on the executor while the caller waits (one hand-off per call);
     * after the delay, if another server can lend a connection at once and the retry budget gives a token (each
     * hedge withdraws one: the budget is the cap on the extra load), the hedge starts there, on the executor
     * too. A hedge never waits for a connection: while every other server is full there is none
     * ({@link RetryStats#hedgesWithoutRoom()}); the caller looks again later, less and less often. It is one attempt; the first side fails over as any call does,
     * within the budget, and does not wait on a full server while another has room. A failure of one side
     * while the other runs waits for the other; when both fail, the first side's failure is thrown with the
     * hedge's suppressed.
     *
     * <p><b>Cancellation:</b> the losing side is <em>not</em> interrupted. Interrupting a thread blocked in a
     * {@code java.io} socket read closes nothing on a platform thread, so it would not free anything; the
     * loser runs to completion or to its read timeout, then gives its connection back (or invalidates or
     * discards it, as its failure says) and its result is dropped. Meanwhile it holds a connection of its
     * server (within max-active). A caller interrupted while it waits gets a {@link PoolException}; the sides
     * go on and return their connections when they end.
     *
     * <p><b>The delay:</b> {@link HedgeDelay#fixed(Duration)}, or {@link HedgeDelay#percentile(double)} of the
     * recent attempt latencies (successes, each side's own time, the loser's too) of the servers <em>other</em>
     * than the one the call waits on: a slow server's own latencies never put off the hedges of the calls that
     * wait on it, whatever its share. With equal servers {@code p95} hedges about 5% of the calls; with a slow
     * one, about its share as well (within the budget). The percentile is known after 128 attempts; until then
     * calls run unhedged on the caller's thread.
     *
     * @param delay the delay, a percentile, or off
     * @return this builder
     */
    public MultiPool.Builder<C> hedgeDelay(HedgeDelay delay) {
        draft.hedgeDelay = delay;
        return self();
    }
}
