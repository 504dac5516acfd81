package dev.connpool.benchmarks;

import dev.connpool.Balancer;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Requests per second of a small request/response over loopback: the client writes {@code "PING\n"}, the
 * server in this benchmark (127.0.0.1 only, a thread per connection) answers {@code "PONG\n"}.
 *
 * <ul>
 *   <li>{@code pooledExecute}: through {@link MultiPool#execute} over the built-in {@link SocketConnectionFactory}
 *       (one server, max-active 8, connpool's defaults, so validate-on-borrow is on);
 *   <li>{@code newConnectionPerRequest}: the same factory's {@code create}, the request, and {@code destroy}:
 *       what a client without a pool pays.
 * </ul>
 *
 * <p>Both run on the same two cores as the server. New connections leave sockets in TIME_WAIT; Linux reuses
 * them for loopback connects ({@code net.ipv4.tcp_tw_reuse=2}, the default).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class EndToEndBenchmark {

    static final byte[] PING = "PING\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] PONG = "PONG\n".getBytes(StandardCharsets.US_ASCII);

    /** The server: answers each line "PING" with "PONG", on 127.0.0.1, a thread per connection. */
    @State(Scope.Benchmark)
    public static class PingServer {
        ServerSocket listener;
        ExecutorService handlers;
        final Set<Socket> open = ConcurrentHashMap.newKeySet();
        ServerAddress address;

        @Setup(Level.Trial)
        public void start() throws IOException {
            listener = new ServerSocket(0, 1024, InetAddress.getByName("127.0.0.1"));
            address = ServerAddress.of("127.0.0.1", listener.getLocalPort());
            handlers = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "ping-server");
                t.setDaemon(true);
                return t;
            });
            handlers.execute(this::acceptLoop);
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    return; // closed
                }
                open.add(socket);
                handlers.execute(() -> serve(socket));
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] line = new byte[64];
                int length = 0;
                int b;
                while ((b = in.read()) >= 0) {
                    if (b != '\n') {
                        if (length == line.length) {
                            return; // not our protocol
                        }
                        line[length++] = (byte) b;
                        continue;
                    }
                    if (length != 4 || line[0] != 'P' || line[1] != 'I' || line[2] != 'N' || line[3] != 'G') {
                        return;
                    }
                    length = 0;
                    out.write(PONG);
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            } finally {
                open.remove(socket);
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            listener.close();
            for (Socket s : open) {
                s.close();
            }
            handlers.shutdownNow();
        }
    }

    @State(Scope.Benchmark)
    public static class Pooled {
        MultiPool<SocketConnection> pool;

        @Setup(Level.Trial)
        public void start(PingServer server) {
            pool = MultiPool.builder(SocketConnectionFactory.builder().build())
                    .name("e2e")
                    .servers(List.of(server.address))
                    .maxActive(Fixtures.PER_SERVER)
                    .maxWait(Fixtures.MAX_WAIT)
                    .balancer(Balancer.roundRobin())
                    .build();
        }

        @TearDown(Level.Trial)
        public void stop() {
            var stats = pool.stats();
            pool.close();
            if (stats.active() != 0) {
                throw new IllegalStateException("leases still out: " + stats);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Unpooled {
        SocketConnectionFactory factory;
        ServerAddress server;

        @Setup(Level.Trial)
        public void start(PingServer pingServer) {
            factory = SocketConnectionFactory.builder().build();
            server = pingServer.address;
        }
    }

    /** One request and its answer; fails on anything but "PONG\n". */
    static int ping(SocketConnection connection) throws IOException {
        OutputStream out = connection.output();
        out.write(PING);
        out.flush();
        InputStream in = connection.input();
        for (byte expected : PONG) {
            int b = in.read();
            if (b != expected) {
                throw new IOException("unexpected answer byte " + b);
            }
        }
        return PONG.length;
    }

    @Benchmark
    public int pooledExecute(Pooled pooled) {
        return pooled.pool.execute(EndToEndBenchmark::ping);
    }

    @Benchmark
    public int newConnectionPerRequest(Unpooled unpooled) throws IOException {
        SocketConnection connection = unpooled.factory.create(unpooled.server);
        try {
            return ping(connection);
        } finally {
            unpooled.factory.destroy(unpooled.server, connection);
        }
    }
}
