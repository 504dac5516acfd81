package dev.connpool;

/**
 * A pool's retries, retry budget and hedges since it was built ({@link MultiPool#retryStats()}): cumulative
 * counts, each read from a striped counter, so a snapshot taken while calls run may be off by the calls in flight.
 *
 * @param calls           calls that may retry and so deposited into the retry budget: {@code borrow()},
 *                        {@code execute}, {@code borrowFor}, {@code executeFor} (not the pinned ones)
 * @param retries         attempts on another server after a failure (failovers), each withdrawn from the budget
 * @param budgetExhausted failures that reached the caller at once because the retry budget was spent
 * @param hedges          second attempts a hedged execute started on another server, each withdrawn from the budget
 * @param hedgesWon       hedged executes whose answer was the second attempt's
 * @param hedgesWithoutRoom hedged executes whose hedge, when due, found no other server that could lend a
 *                        connection at once (full, or failing, or ramping up): a hedge never waits for one; the
 *                        call looks again later (and may then hedge), counted once
 */
public record RetryStats(long calls, long retries, long budgetExhausted, long hedges, long hedgesWon,
                         long hedgesWithoutRoom) {

    /**
     * The counts without {@code hedgesWithoutRoom} (0), as they were before it was counted.
     *
     * @param calls           calls that deposited into the retry budget
     * @param retries         failovers
     * @param budgetExhausted failures that reached the caller because the budget was spent
     * @param hedges          hedges started
     * @param hedgesWon       hedges whose answer was the call's
     */
    public RetryStats(long calls, long retries, long budgetExhausted, long hedges, long hedgesWon) {
        this(calls, retries, budgetExhausted, hedges, hedgesWon, 0);
    }

    /**
     * Returns the attempts per call: first attempts, retries and hedges, over the calls.
     *
     * @return {@code (calls + retries + hedges) / calls}, or 0 before the first call
     */
    public double attemptsPerCall() {
        return calls == 0 ? 0 : (calls + retries + hedges) / (double) calls;
    }
}
