package dev.connpool;

/**
 * {@code retry.*}: how many attempts a borrow or an execute makes, the pause between two, and the budget of
 * retries over the whole pool.
 * Part of {@link PoolSettings}; immutable.
 */
public final class RetrySettings {

    private final int attempts;
    private final BackoffSettings backoff;
    private final RetryBudgetSettings budget;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    RetrySettings(int attempts, BackoffSettings backoff, RetryBudgetSettings budget) {
        this.attempts = attempts;
        this.backoff = backoff;
        this.budget = budget;
    }

    /**
     * Returns {@code retry.attempts}: attempts per borrow or execute, the first included.
     *
     * @return the value
     */
    public int attempts() {
        return attempts;
    }

    /**
     * Returns {@code retry.backoff}: the pause before each retry.
     *
     * @return the value
     */
    public BackoffSettings backoff() {
        return backoff;
    }

    /**
     * Returns {@code retry.budget.*}: the retries the whole pool may make, over a sliding window.
     *
     * @return the value
     */
    public RetryBudgetSettings budget() {
        return budget;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RetrySettings that && attempts == that.attempts
                && backoff.equals(that.backoff) && budget.equals(that.budget);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(attempts, backoff, budget);
    }

    @Override
    public String toString() {
        return "RetrySettings[attempts=" + attempts + ", backoff=" + backoff + ", budget=" + budget + "]";
    }
}
