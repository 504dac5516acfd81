package dev.connpool.sample;

import dev.connpool.CallbackFailedException;
import dev.connpool.ConnectFailedException;
import dev.connpool.NoServerAvailableException;
import dev.connpool.PoolTimeoutException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import redis.clients.jedis.exceptions.JedisException;

/** Turns connpool's errors into HTTP answers with the pool's own message. */
@RestControllerAdvice
class ApiErrors {

    @ExceptionHandler({NoServerAvailableException.class, PoolTimeoutException.class})
    ResponseEntity<Map<String, String>> unavailable(RuntimeException e) {
        return answer(HttpStatus.SERVICE_UNAVAILABLE, e);
    }

    /** The backend failed, or answered with an error (a Jedis exception the pool did not retry, such as WRONGTYPE). */
    @ExceptionHandler({ConnectFailedException.class, CallbackFailedException.class, UncheckedIOException.class,
            JedisException.class})
    ResponseEntity<Map<String, String>> badGateway(RuntimeException e) {
        return answer(HttpStatus.BAD_GATEWAY, e);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        return answer(HttpStatus.BAD_REQUEST, e);
    }

    private static ResponseEntity<Map<String, String>> answer(HttpStatus status, RuntimeException e) {
        return ResponseEntity.status(status).body(Map.of("error", String.valueOf(e.getMessage())));
    }
}
