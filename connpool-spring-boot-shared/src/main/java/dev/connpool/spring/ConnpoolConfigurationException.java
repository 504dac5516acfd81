package dev.connpool.spring;

/**
 * A pool's configuration cannot be used. Names the property (its full path, such as
 * {@code connpool.pools.orders.servers[1]}), the value and what to do; reported at start-up by
 * {@link ConnpoolConfigurationFailureAnalyzer}.
 */
public class ConnpoolConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;
    private final String reason;
    private final String action;

    /**
     * Creates the exception.
     *
     * @param property the full property path
     * @param value    the bad value, as text ({@code null} when absent)
     * @param reason   what is wrong with it
     * @param action   what to do about it
     * @param cause    the underlying error, or {@code null}
     */
    public ConnpoolConfigurationException(String property, Object value, String reason, String action, Throwable cause) {
        super(property + " = " + value + ": " + reason, cause);
        this.property = property;
        this.value = value == null ? null : String.valueOf(value);
        this.reason = reason;
        this.action = action;
    }

    /**
     * Returns the full property path.
     *
     * @return the property, such as {@code connpool.pools.orders.max-idle}
     */
    public String property() {
        return property;
    }

    /**
     * Returns the bad value.
     *
     * @return the value as text, or {@code null} when it is missing
     */
    public String value() {
        return value;
    }

    /**
     * Returns what is wrong with the value.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    /**
     * Returns what to do.
     *
     * @return the action
     */
    public String action() {
        return action;
    }
}
