package dev.connpool.sample;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Profile;

/**
 * The {@code redis} profile: the pool {@code backend} talks to Redis servers through the Jedis client.
 * {@code redisFactory} is the pool's connection factory ({@code connpool.pools.backend.factory: redisFactory}
 * in {@code application-redis.yml}), so the pool is a {@code MultiPool<Jedis>}; as a factory of the app's own,
 * it takes its timeouts from {@code sample.redis.*}, not from the pool's {@code socket.*} (those configure the
 * built-in factory only).
 *
 * <p>Deliberately not a {@code @Configuration} component: only {@link BackendConfiguration} imports it, so
 * its beans are registered before that class decides whether the line protocol is needed. (Found by
 * component scanning too, it would be registered after it, and both protocols would exist.)
 */
@Profile("redis")
class RedisConfiguration {

    @Bean
    RedisConnectionFactory redisFactory(
            @Value("${sample.redis.connect-timeout:500ms}") Duration connectTimeout,
            @Value("${sample.redis.read-timeout:1s}") Duration readTimeout) {
        return new RedisConnectionFactory(connectTimeout, readTimeout);
    }

    @Bean
    RedisProtocol redisProtocol() {
        return new RedisProtocol();
    }
}
