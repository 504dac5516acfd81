package dev.connpool.sample;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@link BackendProtocol} for Redis, through Jedis: {@code ECHO}, {@code GET} and {@code SET}, binary-safe
 * (keys and values may hold spaces, CR and LF). Jedis throws its own unchecked exceptions, which
 * {@link RedisConnectionFactory#classify} judges. Stateless and thread-safe.
 */
public final class RedisProtocol implements BackendProtocol<Jedis> {

    @Override
    public String echo(Jedis connection, String text) {
        return connection.echo(text);
    }

    @Override
    public String get(Jedis connection, String key) {
        return connection.get(key);
    }

    /**
     * @throws JedisDataException when Redis answers {@code SET} with anything but {@code OK} (an error reply
     *                            is thrown by Jedis itself)
     */
    @Override
    public void set(Jedis connection, String key, String value) {
        String reply = connection.set(key, value);
        if (!"OK".equals(reply)) {
            throw new JedisDataException("redis answered SET " + key + " with '" + reply + "' where OK was expected");
        }
    }
}
