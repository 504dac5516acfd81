package dev.connpool;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the DNS tests share: real servers on loopback addresses that share one port (127.0.0.2:p,
 * 127.0.0.3:p, ...), as the addresses of one DNS name do, and a resolver that answers what the test scripts.
 */
final class DnsFixture implements AutoCloseable {

    static final String NAME = "orders.test.svc.cluster.local";

    final List<TestServer> servers = new ArrayList<>();
    final ScriptedResolver resolver = new ScriptedResolver();
    private int port;

    /** Starts {@code count} servers on 127.0.0.{first}, 127.0.0.{first + 1}, ..., all on one port. */
    List<TestServer> start(int first, int count) throws IOException {
        List<TestServer> started = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TestServer server = TestServer.startOn(loopback(first + i), port);
            port = server.port();
            servers.add(server);
            started.add(server);
        }
        return started;
    }

    int port() {
        return port;
    }

    static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static InetAddress address(TestServer server) {
        try {
            return InetAddress.getByName(server.address().host()); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void close() {
        servers.forEach(TestServer::close);
    }

    /** Answers the addresses the test set last, or fails as the test says; counts the resolutions. */
    static final class ScriptedResolver implements DnsResolver {

        private final AtomicReference<List<InetAddress>> answer = new AtomicReference<>(List.of());
        private final AtomicReference<IOException> failure = new AtomicReference<>();
        final AtomicInteger resolutions = new AtomicInteger();
        final List<String> names = new CopyOnWriteArrayList<>();
        /** When each resolution was asked for, in nanoseconds. */
        final List<Long> times = new CopyOnWriteArrayList<>();

        void answer(List<TestServer> servers) {
            answer.set(servers.stream().map(DnsFixture::address).toList());
            failure.set(null);
        }

        void answerAddresses(List<InetAddress> addresses) {
            answer.set(List.copyOf(addresses));
            failure.set(null);
        }

        void fail(IOException e) {
            failure.set(e);
        }

        @Override
        public List<InetAddress> resolve(String name) throws IOException {
            resolutions.incrementAndGet();
            names.add(name);
            times.add(System.nanoTime());
            IOException e = failure.get();
            if (e != null) {
                throw e;
            }
            return answer.get();
        }
    }
}
