package dev.connpool;

/**
 * A pool setting has a value that is out of range or contradicts another setting. Thrown by
 * {@link MultiPool.Builder#build()}; {@link #setting()} is the setting's YAML key (for instance
 * {@code max-idle} or {@code retry.backoff.jitter}), {@link #value()} the rejected value and {@link #reason()}
 * the rule it breaks, so that a configuration layer can name the property without reading the message.
 */
public class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String pool;
    private final String setting;
    private final String value;
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param pool    the pool's name
     * @param setting the setting's key, as in YAML ({@code max-idle})
     * @param value   the rejected value, as text
     * @param reason  why it is rejected
     */
    public InvalidSettingException(String pool, String setting, Object value, String reason) {
        super("pool '" + pool + "': invalid " + setting + " = " + value + ": " + reason);
        this.pool = pool;
        this.setting = setting;
        this.value = String.valueOf(value);
        this.reason = reason;
    }

    /**
     * Returns the pool's name.
     *
     * @return the pool's name
     */
    public String pool() {
        return pool;
    }

    /**
     * Returns the setting's key, as written in YAML.
     *
     * @return the key, such as {@code ejection.max-percent}
     */
    public String setting() {
        return setting;
    }

    /**
     * Returns the rejected value as text.
     *
     * @return the value
     */
    public String value() {
        return value;
    }

    /**
     * Returns why the value is rejected, as a rule the value breaks (for instance
     * {@code must not exceed max-active (8)}); the message ends with it.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }
}
