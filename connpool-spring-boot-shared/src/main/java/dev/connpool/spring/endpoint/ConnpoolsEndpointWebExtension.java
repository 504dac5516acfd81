package dev.connpool.spring.endpoint;

import dev.connpool.spring.endpoint.ConnpoolsEndpoint.PoolDescriptor;
import dev.connpool.spring.endpoint.ConnpoolsEndpoint.ServerActionDescriptor;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The HTTP side of {@link ConnpoolsEndpoint}'s server actions: {@code POST /actuator/connpools/{pool}/{server}}
 * with {@code action} answers 200 with what happened, 400 with a message naming a bad action or server
 * address, and 404 with a message when the pool, or the server in it, does not exist. (Without this
 * extension a bad request would get a 400 whose body does not say why, unless
 * {@code server.error.include-message} is set.) {@code GET /actuator/connpools/{pool}} of a pool that does
 * not exist answers 404 with a message naming it and the pools there are; the other reads are the endpoint's.
 */
@EndpointWebExtension(endpoint = ConnpoolsEndpoint.class)
public class ConnpoolsEndpointWebExtension {

    private final ConnpoolsEndpoint delegate;

    /**
     * Creates the extension.
     *
     * @param delegate the endpoint
     */
    public ConnpoolsEndpointWebExtension(ConnpoolsEndpoint delegate) {
        this.delegate = delegate;
    }

    /**
     * Ejects, re-admits or drains one server of a pool.
     *
     * @param pool   the pool's name
     * @param server the server, {@code host:port} (the ':' may be sent as {@code %3A}) or {@code [ipv6]:port}
     *               (brackets as {@code %5B}, {@code %5D})
     * @param action {@code eject}, {@code readmit} or {@code drain}
     * @return 200 and a {@link ServerActionDescriptor}; 400 or 404 and an {@link ErrorDescriptor}
     */
    @WriteOperation
    public WebEndpointResponse<OperationResponseBody> serverAction(@Selector String pool, @Selector String server,
                                                                   String action) {
        try {
            ServerActionDescriptor result = delegate.serverAction(pool, server, action);
            if (result == null) {
                return error(WebEndpointResponse.STATUS_NOT_FOUND, "Not Found", delegate.whatIsMissing(pool, server));
            }
            return new WebEndpointResponse<>(result, WebEndpointResponse.STATUS_OK);
        } catch (InvalidEndpointRequestException e) {
            return error(WebEndpointResponse.STATUS_BAD_REQUEST, "Bad Request", e.getReason());
        }
    }

    /**
     * Describes one pool.
     *
     * @param pool the pool's name
     * @return 200 and a {@link PoolDescriptor}; 404 and an {@link ErrorDescriptor} naming the pools there are
     */
    @ReadOperation
    public WebEndpointResponse<OperationResponseBody> pool(@Selector String pool) {
        PoolDescriptor found = delegate.pool(pool);
        if (found == null) {
            return error(WebEndpointResponse.STATUS_NOT_FOUND, "Not Found", delegate.noSuchPool(pool));
        }
        return new WebEndpointResponse<>(found, WebEndpointResponse.STATUS_OK);
    }

    private static WebEndpointResponse<OperationResponseBody> error(int status, String error, String message) {
        return new WebEndpointResponse<>(new ErrorDescriptor(status, error, message), status);
    }

    /**
     * Why a request failed.
     *
     * @param status  the HTTP status
     * @param error   its reason phrase
     * @param message what was wrong, naming the bad value
     */
    public record ErrorDescriptor(int status, String error, String message) implements OperationResponseBody {
    }
}
