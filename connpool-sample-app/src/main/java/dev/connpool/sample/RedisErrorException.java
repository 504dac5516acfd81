package dev.connpool.sample;

import java.io.IOException;

/** An error reply from Redis ({@code -ERR ...}, {@code -NOAUTH ...}, ...); the message is the reply's text. */
public final class RedisErrorException extends IOException {

    private static final long serialVersionUID = 1L;

    RedisErrorException(String reply) {
        super(reply);
    }
}
