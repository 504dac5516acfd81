package dev.connpool.benchmarks;

import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * {@link SocketConnectionFactory#validate} on an idle TCP connection over loopback: the check every borrow
 * of a pooled socket pays with validate-on-borrow on (a non-blocking 1-byte read that finds nothing).
 * Each benchmark thread has its own connection to a local server that accepts and then holds it open,
 * never writing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class ValidateBenchmark {

    /** A server on 127.0.0.1 that accepts connections and keeps them open, silent. */
    @State(Scope.Benchmark)
    public static class Server {
        ServerSocket listener;
        final Set<Socket> held = ConcurrentHashMap.newKeySet();

        @Setup(Level.Trial)
        public void start() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        held.add(listener.accept());
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "validate-bench-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        ServerAddress address() {
            return ServerAddress.of("127.0.0.1", listener.getLocalPort());
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            listener.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** One idle connection per benchmark thread, made by the factory as the pool would. */
    @State(Scope.Thread)
    public static class Connection {
        SocketConnectionFactory factory;
        ServerAddress server;
        SocketConnection connection;

        @Setup(Level.Trial)
        public void open(Server s) throws IOException {
            factory = SocketConnectionFactory.builder().build();
            server = s.address();
            connection = factory.create(server);
            if (!factory.validate(server, connection)) {
                throw new IllegalStateException("a fresh loopback connection does not validate");
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            boolean alive = factory.validate(server, connection);
            factory.destroy(server, connection);
            if (!alive) {
                throw new IllegalStateException("the connection stopped validating while measuring");
            }
        }
    }

    @Benchmark
    public boolean validateIdleConnection(Connection c) {
        return c.factory.validate(c.server, c.connection);
    }
}
