package dev.connpool;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.function.Consumer;

/**
 * A client in the manner of Jedis over {@link TestServer}'s line protocol: it throws exceptions of its own,
 * all unchecked, and its factory classifies them. A broken link ({@link LinkBroken}, like
 * {@code JedisConnectionException}) wraps the {@link IOException}; a read timeout inside it is the server's
 * fault. An answer {@code BUSY...} (the echo of a request {@code BUSY...}) is a {@link ServerBusy}, like
 * Redis's {@code BUSY}; an answer {@code ERR...} is a {@link BadRequest}, like {@code JedisDataException}.
 */
final class ClientLike {

    private ClientLike() {
    }

    /** The connection broke (reset, closed, timed out). */
    static final class LinkBroken extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LinkBroken(IOException cause) {
            super("link broken: " + cause.getMessage(), cause);
        }
    }

    /** The server answered that it cannot serve now. */
    static final class ServerBusy extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ServerBusy(String answer) {
            super(answer);
        }
    }

    /** The server answered that the request was wrong: nothing wrong with the connection or the server. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String answer) {
            super(answer);
        }
    }

    /** One round trip, failing as such a client fails. */
    static String roundTrip(SocketConnection connection, String line) {
        String answer;
        try {
            answer = Lines.roundTrip(connection, line);
        } catch (IOException e) {
            throw new LinkBroken(e);
        }
        if (answer.startsWith("BUSY")) {
            throw new ServerBusy(answer);
        }
        if (answer.startsWith("ERR")) {
            throw new BadRequest(answer);
        }
        return answer;
    }

    /** Socket connections (connect timeout 500 ms, read timeout 2 s), counted, classified as the client's. */
    static CountingFactory<SocketConnection> factory() {
        return new CountingFactory<>(classifying(SocketConnectionFactory.builder()
                .connectTimeout(java.time.Duration.ofMillis(500)).readTimeout(java.time.Duration.ofSeconds(2)).build()));
    }

    /** {@code delegate} with the client's classification. */
    static <C> ConnectionFactory<C> classifying(ConnectionFactory<C> delegate) {
        return new ForwardingFactory<>(delegate) {
            @Override
            public FailureKind classify(ServerAddress server, Throwable failure) {
                if (failure instanceof LinkBroken) {
                    return failure.getCause() instanceof SocketTimeoutException ? FailureKind.SERVER : FailureKind.CONNECTION;
                }
                if (failure instanceof ServerBusy) {
                    return FailureKind.SERVER;
                }
                return failure instanceof BadRequest ? FailureKind.WORK : super.classify(server, failure);
            }
        };
    }

    /** A work that records each server it runs on and echoes {@code line} there. */
    static ServerCallback<SocketConnection, String> echo(String line, List<ServerAddress> runs) {
        return (connection, server) -> {
            runs.add(server);
            return roundTrip(connection, line);
        };
    }

    /** A work that records each server it runs on, lets {@code first} act on the first run, and echoes. */
    static ServerCallback<SocketConnection, String> echo(String line, List<ServerAddress> runs,
                                                         Consumer<SocketConnection> first) {
        return (connection, server) -> {
            runs.add(server);
            if (runs.size() == 1) {
                first.accept(connection);
            }
            return roundTrip(connection, line);
        };
    }
}
