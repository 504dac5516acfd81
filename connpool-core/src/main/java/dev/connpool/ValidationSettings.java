package dev.connpool;

/**
 * When the factory's {@code validate} runs: {@code validate-on-borrow} and
 * {@code validate-while-idle}. Part of {@link PoolSettings}; immutable.
 */
public final class ValidationSettings {

    private final boolean onBorrow;
    private final boolean whileIdle;

    /** Made by {@link PoolSettingsDraft} only, which checks every value first. */
    ValidationSettings(boolean onBorrow, boolean whileIdle) {
        this.onBorrow = onBorrow;
        this.whileIdle = whileIdle;
    }

    /**
     * Returns {@code validate-on-borrow}: whether a connection is validated before it is lent.
     *
     * @return the value
     */
    public boolean onBorrow() {
        return onBorrow;
    }

    /**
     * Returns {@code validate-while-idle}: whether idle connections are validated in the background.
     *
     * @return the value
     */
    public boolean whileIdle() {
        return whileIdle;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ValidationSettings that && onBorrow == that.onBorrow
                && whileIdle == that.whileIdle;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(onBorrow, whileIdle);
    }

    @Override
    public String toString() {
        return "ValidationSettings[onBorrow=" + onBorrow + ", whileIdle=" + whileIdle + "]";
    }
}
