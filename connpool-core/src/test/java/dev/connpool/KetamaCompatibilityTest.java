package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeLocator;
import net.spy.memcached.MemcachedNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code affinity.algorithm: ketama} against spymemcached 2.12.3's own {@link KetamaNodeLocator} (with
 * {@code KETAMA_HASH}, as {@code ConnectionFactoryBuilder.setLocatorType(CONSISTENT)} and
 * {@code setHashAlg(KETAMA_HASH)} make it): for the same servers, in the same order, 100,000 keys go to the same
 * server; and after one of them is removed or one added, again, so connpool moves exactly the keys spymemcached
 * moves. The servers are IPv4 addresses (spymemcached's name of a server is its socket address; see
 * {@link KetamaRing#nameOf}), and IPv6 literals.
 */
class KetamaCompatibilityTest {

    private static final int KEYS = 100_000;

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 10, 100})
    void everyKeyGoesWhereSpymemcachedSendsIt(int n) {
        List<ServerAddress> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(ServerAddress.of("10.0." + i / 200 + "." + (i % 200 + 1), 11211 + i % 3));
        }
        compare(servers);
        if (n > 1) {
            List<ServerAddress> fewer = new ArrayList<>(servers);
            fewer.remove(n / 2);
            compare(fewer);
        }
        List<ServerAddress> more = new ArrayList<>(servers);
        more.add(ServerAddress.of("192.168.7.7", 11211));
        compare(more);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::1]:11211,[::2]:11211,[fe80::1]:11311", "[2001:db8::7]:11211,10.1.1.1:11211"})
    void ipv6ServersAreNamedAsSpymemcachedNamesThem(String list) {
        List<ServerAddress> servers = new ArrayList<>();
        for (String text : list.split(",")) {
            servers.add(ServerAddress.parse(text));
        }
        compare(servers);
    }

    private static void compare(List<ServerAddress> servers) {
        List<MemcachedNode> nodes = new ArrayList<>();
        List<ServerEntry> entries = new ArrayList<>();
        for (ServerAddress server : servers) {
            nodes.add(node(new InetSocketAddress(server.host(), server.port())));
            entries.add(new ServerEntry(server, 0));
        }
        KetamaNodeLocator oracle = new KetamaNodeLocator(nodes, DefaultHashAlgorithm.KETAMA_HASH);
        KetamaRing ring = new KetamaRing(entries);
        int differ = 0;
        for (int k = 0; k < KEYS; k++) {
            String key = "key-" + k;
            int theirs = nodes.indexOf(oracle.getPrimary(key));
            int ours = ring.owner(ring.hash(key));
            if (theirs != ours) {
                differ++;
            }
        }
        assertThat(differ).as("keys placed differently on " + servers).isZero();
        assertThat(ring.size()).as("points").isBetween(KetamaRing.POINTS_PER_SERVER * servers.size() - 2,
                KetamaRing.POINTS_PER_SERVER * servers.size());
    }

    /** A memcached node that only knows its address (all a KetamaNodeLocator asks of it). */
    private static MemcachedNode node(InetSocketAddress address) {
        return (MemcachedNode) Proxy.newProxyInstance(KetamaCompatibilityTest.class.getClassLoader(),
                new Class<?>[] {MemcachedNode.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getSocketAddress" -> address;
                    case "toString" -> "node " + address;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
