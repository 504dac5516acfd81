package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.DnsResolver;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import dev.connpool.spring.health.ConnpoolHealthContributorAutoConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code connpool.pools.<name>.discovery.dns.*} through the starter: the application's {@link DnsResolver} bean
 * scripts the answers; the servers are real ({@link TestServer}s on 127.0.0.1 and 127.0.0.2, one port).
 */
class DnsDiscoveryTests {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final String DNS = "connpool.pools.orders.discovery.dns.";
    private static final String NAME = "orders.shop.svc.cluster.local";

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(ConnpoolAutoConfiguration.class, ConnpoolHealthContributorAutoConfiguration.class));

    @Test
    void thePoolHasTheNamesAddressesAtStartFollowsThemAndKeepsThemWhileDnsFails() throws Exception {
        InetAddress one = InetAddress.getByName("127.0.0.1");
        InetAddress two = InetAddress.getByName("127.0.0.2");
        try (TestServer a = TestServer.startOn(one, 0); TestServer b = TestServer.startOn(two, a.port())) {
            ScriptedResolver dns = new ScriptedResolver();
            dns.answer(one);
            runner.withBean(DnsResolver.class, () -> dns)
                    .withPropertyValues(DNS + "name=" + NAME, DNS + "port=" + a.port(), DNS + "refresh-interval=100ms",
                            DNS + "removal-delay=0s")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        MultiPool<SocketConnection> orders = orders(context);
                        assertThat(orders.servers()).as("resolved before the pool bean is handed out")
                                .containsExactly(a.address());
                        assertThat(discovery(context)).containsEntry("kind", "dns")
                                .containsEntry("target", NAME + ":" + a.port()).containsEntry("connected", true)
                                .containsEntry("listed", List.of(a.address().toString()));

                        dns.answer(one, two);
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(a.address(), b.address())));

                        dns.fail(new IOException("no answer from 10.96.0.10"));
                        await().atMost(PATIENCE).until(() -> discovery(context).get("connected"), Boolean.FALSE::equals);
                        assertThat(orders.servers()).as("the last list").containsExactlyInAnyOrder(a.address(), b.address());
                        assertThat(discovery(context)).hasEntrySatisfying("lastError",
                                e -> assertThat(e).asString().contains("no answer from 10.96.0.10"));

                        dns.answer(two);
                        await().atMost(PATIENCE).until(orders::servers, s -> s.equals(Set.of(b.address())));
                    });
        }
    }

    /** A DnsResolver whose answer the test sets: addresses, or an exception. */
    static final class ScriptedResolver implements DnsResolver {
        private final AtomicReference<Object> answer = new AtomicReference<>(List.of());

        void answer(InetAddress... addresses) {
            answer.set(List.of(addresses));
        }

        void fail(IOException failure) {
            answer.set(failure);
        }

        @Override
        @SuppressWarnings("unchecked")
        public List<InetAddress> resolve(String name) throws IOException {
            assertThat(name).isEqualTo(NAME);
            Object now = answer.get();
            if (now instanceof IOException failure) {
                throw failure;
            }
            return (List<InetAddress>) now;
        }
    }

    @SuppressWarnings("unchecked")
    private static MultiPool<SocketConnection> orders(AssertableApplicationContext context) {
        return context.getBean("orders", MultiPool.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> discovery(AssertableApplicationContext context) {
        Object discovery = BootGeneration.health(context, "orders").details().get("discovery");
        assertThat(discovery).as("discovery details").isInstanceOf(Map.class);
        return (Map<String, Object>) discovery;
    }
}
