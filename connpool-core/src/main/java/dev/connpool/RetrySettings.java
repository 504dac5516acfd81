package dev.connpool;

/**
 * {@code retry.*}: how many attempts a borrow or an execute makes, and the pause between two.
 * Part of {@link PoolSettings}; immutable.
 */
public final class RetrySettings {

    private final int attempts;
    private final BackoffSettings backoff;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    RetrySettings(int attempts, BackoffSettings backoff) {
        this.attempts = attempts;
        this.backoff = backoff;
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

    @Override
    public boolean equals(Object other) {
        return other instanceof RetrySettings that && attempts == that.attempts
                && backoff.equals(that.backoff);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(attempts, backoff);
    }

    @Override
    public String toString() {
        return "RetrySettings[attempts=" + attempts + ", backoff=" + backoff + "]";
    }
}
