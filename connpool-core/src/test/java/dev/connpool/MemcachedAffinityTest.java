package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three real {@code memcached} processes shared by connpool ({@code affinity.algorithm: ketama}, docs/affinity.md's
 * {@link MemcachedText} over the built-in socket factory) and a real spymemcached 2.12.3 client (ketama locator,
 * {@code KETAMA_HASH}) for the same server list: what one client stores, the other finds, key by key, so both put
 * every key on the same server; and each key is on one server only.
 */
class MemcachedAffinityTest {

    private static final int KEYS = 300;
    private final List<Process> processes = new ArrayList<>();
    private final List<ServerAddress> servers = new ArrayList<>();
    private MultiPool<SocketConnection> cache;
    private MemcachedClient spy;

    @BeforeEach
    void start() throws Exception {
        String memcached = memcached();
        for (int i = 0; i < 3; i++) {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(memcached, "-l", "127.0.0.1", "-p", String.valueOf(port),
                    "-U", "0", "-m", "16", "-c", "64"));
            if ("root".equals(System.getProperty("user.name"))) {
                command.addAll(List.of("-u", "root")); // memcached refuses root without it
            }
            processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            servers.add(ServerAddress.of("127.0.0.1", port));
        }
        for (ServerAddress server : servers) {
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress(server.host(), server.port()), 500);
                    return true;
                }
            });
        }
        System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SLF4JLogger");
        spy = new MemcachedClient(new ConnectionFactoryBuilder().setLocatorType(ConnectionFactoryBuilder.Locator.CONSISTENT)
                .setHashAlg(DefaultHashAlgorithm.KETAMA_HASH).build(),
                AddrUtil.getAddresses(servers.stream().map(ServerAddress::toString).toList()));
        cache = MultiPool.builder(SocketConnectionFactory.builder().connectTimeout(Duration.ofSeconds(1)).build())
                .name("cache").servers(servers).affinityAlgorithm(AffinityAlgorithm.KETAMA).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (spy != null) {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
        if (cache != null) {
            cache.close();
        }
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void connpoolAndSpymemcachedPutEveryKeyOnTheSameServer() throws Exception {
        for (int k = 0; k < KEYS; k++) {
            assertThat(spy.set("spy:" + k, 0, "from spymemcached " + k).get(5, TimeUnit.SECONDS)).isTrue();
        }
        for (int k = 0; k < KEYS; k++) {
            String key = "spy:" + k;
            String found = cache.executeFor(key, c -> MemcachedText.get(c, key));
            assertThat(found).as(key + " on " + cache.serverFor(key)).isEqualTo("from spymemcached " + k);
        }
        int[] perServer = new int[servers.size()];
        for (int k = 0; k < KEYS; k++) {
            String key = "connpool:" + k;
            String value = "from connpool " + k;
            cache.executeFor(key, c -> {
                MemcachedText.set(c, key, value);
                return null;
            });
            perServer[servers.indexOf(cache.serverFor(key))]++;
            // On its server, and on no other.
            for (ServerAddress server : servers) {
                try (Lease<SocketConnection> lease = cache.borrow(server)) {
                    String there = MemcachedText.get(lease.connection(), key);
                    assertThat(there).as(key + " on " + server).isEqualTo(server.equals(cache.serverFor(key)) ? value : null);
                }
            }
        }
        for (int k = 0; k < KEYS; k++) {
            assertThat(spy.get("connpool:" + k)).as("connpool:" + k).isEqualTo("from connpool " + k);
        }
        for (int n : perServer) {
            assertThat(n).as("keys per server").isGreaterThan(KEYS / 6);
        }
    }

    /** memcached ({@code $MEMCACHED}, else on the PATH); missing, the test fails saying what to install. */
    private static String memcached() {
        String explicit = System.getenv("MEMCACHED");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "memcached");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        throw new AssertionError("memcached is not on the PATH: install it (Debian: apt-get install memcached) or"
                + " set MEMCACHED to its path; this test needs real memcached servers");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
