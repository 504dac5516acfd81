package dev.connpool.benchmarks.fault;

import dev.connpool.ConnectionFactory;
import dev.connpool.FailureKind;
import dev.connpool.ServerAddress;
import dev.connpool.SocketConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The built-in socket factory, counting: when each connection to each server was opened (the pool's own
 * probes and refills included), and the connects that failed. A failed connect on a caller's thread is an
 * attempt of its call ({@link CallAttempts}). Everything else is the delegate's.
 */
final class CountingFactory implements ConnectionFactory<SocketConnection> {

    private final ConnectionFactory<SocketConnection> delegate;
    private final Map<ServerAddress, ConcurrentLinkedQueue<Long>> opened = new ConcurrentHashMap<>();
    private final AtomicLong failedConnects = new AtomicLong();
    private final AtomicLong destroyed = new AtomicLong();

    CountingFactory(ConnectionFactory<SocketConnection> delegate) {
        this.delegate = delegate;
    }

    @Override
    public SocketConnection create(ServerAddress server) throws Exception {
        SocketConnection connection;
        try {
            connection = delegate.create(server);
        } catch (Exception | Error e) {
            failedConnects.incrementAndGet();
            CallAttempts.failedConnect();
            throw e;
        }
        opened.computeIfAbsent(server, s -> new ConcurrentLinkedQueue<>()).add(System.nanoTime());
        return connection;
    }

    @Override
    public boolean validate(ServerAddress server, SocketConnection connection) {
        return delegate.validate(server, connection);
    }

    @Override
    public boolean probe(ServerAddress server, SocketConnection connection) throws Exception {
        return delegate.probe(server, connection);
    }

    @Override
    public boolean probeIsRoundTrip() {
        return delegate.probeIsRoundTrip(); // a wrapper says what its delegate's probe is
    }

    @Override
    public void destroy(ServerAddress server, SocketConnection connection) throws Exception {
        destroyed.incrementAndGet();
        delegate.destroy(server, connection);
    }

    @Override
    public FailureKind classify(ServerAddress server, Throwable failure) {
        return delegate.classify(server, failure);
    }

    /** When each connection to {@code server} was opened ({@link System#nanoTime()}), oldest first. */
    List<Long> openedAt(ServerAddress server) {
        ConcurrentLinkedQueue<Long> times = opened.get(server);
        return times == null ? List.of() : new ArrayList<>(times);
    }

    /** Connections opened, over all servers. */
    long opened() {
        return opened.values().stream().mapToLong(ConcurrentLinkedQueue::size).sum();
    }

    long destroyed() {
        return destroyed.get();
    }

    long failedConnects() {
        return failedConnects.get();
    }
}
