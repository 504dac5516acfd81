package dev.connpool.zookeeper;

/**
 * A setting of a {@link ZooKeeperServerSource} has a value that cannot be used. Thrown by
 * {@link ZooKeeperServerSource.Builder#build()}, in the shape of core's {@code InvalidSettingException}: the
 * setting's key as YAML writes it ({@code path}, {@code format}, {@code service},
 * {@code initial-sync-timeout}, {@code removal-delay}), the rejected value and the reason are fields, so
 * that a configuration layer names its own property from them, never from the message.
 */
public class InvalidDiscoverySettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String setting;
    private final String value;
    private final String reason;

    /**
     * Creates the exception.
     *
     * @param setting the setting's key, as in YAML ({@code removal-delay})
     * @param value   the rejected value (null when it was not set)
     * @param reason  why it is rejected, such as {@code must not be negative}
     */
    public InvalidDiscoverySettingException(String setting, Object value, String reason) {
        super("zookeeper discovery: invalid '" + setting + "' = " + shown(value) + ": " + reason);
        this.setting = setting;
        this.value = value == null ? null : value.toString();
        this.reason = reason;
    }

    /**
     * Returns the setting's key, as written in YAML.
     *
     * @return the key, such as {@code path} or {@code removal-delay}
     */
    public String setting() {
        return setting;
    }

    /**
     * Returns the rejected value as text.
     *
     * @return the value, or null when the setting was not set
     */
    public String value() {
        return value;
    }

    /**
     * Returns why the value is rejected.
     *
     * @return the reason, such as {@code must be an absolute ZooKeeper path}
     */
    public String reason() {
        return reason;
    }

    private static String shown(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
