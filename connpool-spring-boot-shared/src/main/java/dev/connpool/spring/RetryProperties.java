package dev.connpool.spring;

import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * {@code retry.*} under a pool or {@code connpool.defaults}: attempts per borrow and the pause between two. A
 * file of its own, nested into {@link PoolDefaultsProperties}; nullable, {@code null} meaning "not set here".
 */
public class RetryProperties {

    /** Attempts per borrow or execute, the first included. Default 3. */
    private Integer attempts;

    /** The pause before each retry. */
    @NestedConfigurationProperty
    private BackoffProperties backoff = new BackoffProperties();

    /** How many retries and failovers the whole pool may make. */
    @NestedConfigurationProperty
    private RetryBudgetProperties budget = new RetryBudgetProperties();

    public Integer getAttempts() {
        return attempts;
    }

    public void setAttempts(Integer attempts) {
        this.attempts = attempts;
    }

    public BackoffProperties getBackoff() {
        return backoff;
    }

    public void setBackoff(BackoffProperties backoff) {
        this.backoff = backoff;
    }

    public RetryBudgetProperties getBudget() {
        return budget;
    }

    public void setBudget(RetryBudgetProperties budget) {
        this.budget = budget;
    }
}
