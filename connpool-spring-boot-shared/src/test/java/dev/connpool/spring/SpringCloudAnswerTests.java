package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.ServerAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

/** Which of a DiscoveryClient's instances are servers of a pool ({@link SpringCloudServerSource.Answer}). */
class SpringCloudAnswerTests {

    private static final ServiceInstance PLAIN = instance("10.0.0.1", 9090, false, Map.of());
    private static final ServiceInstance SECURE = instance("10.0.0.2", 9443, true, Map.of());
    private static final ServiceInstance OUT = instance("10.0.0.3", 9090, false,
            Map.of("instance_status", "OUT_OF_SERVICE"));
    private static final ServiceInstance UP_LOWER_CASE = instance("10.0.0.4", 9090, false,
            Map.of("instance_status", " up "));
    private static final ServiceInstance NO_PORT = instance("10.0.0.5", -1, false, Map.of());

    @Test
    void aPlainPoolTakesThePlainInstancesThatAreUp() {
        SpringCloudServerSource.Answer answer = SpringCloudServerSource.Answer.of(
                List.of(PLAIN, SECURE, OUT, UP_LOWER_CASE, NO_PORT), false);
        assertThat(answer.servers()).containsExactly(address(PLAIN), address(UP_LOWER_CASE));
        assertThat(answer.notServing()).containsExactly(address(OUT));
        assertThat(answer.skipped()).hasSize(3)
                .anySatisfy(s -> assertThat(s).isEqualTo("10.0.0.2:9443: secure, and the pool speaks plain text "
                        + "(no socket.ssl-bundle)"))
                .anySatisfy(s -> assertThat(s).isEqualTo("10.0.0.3:9090: instance_status is OUT_OF_SERVICE"))
                .anySatisfy(s -> assertThat(s).startsWith("10.0.0.5:-1: "));
    }

    @Test
    void aTlsPoolTakesTheSecureInstancesOnly() {
        SpringCloudServerSource.Answer answer = SpringCloudServerSource.Answer.of(List.of(PLAIN, SECURE), true);
        assertThat(answer.servers()).containsExactly(address(SECURE));
        assertThat(answer.skipped()).containsExactly("10.0.0.1:9090: not secure, and the pool speaks TLS "
                + "(socket.ssl-bundle)");
    }

    @Test
    void aPoolWithAFactoryBeanOfItsOwnTakesEveryInstanceThatIsUp() {
        SpringCloudServerSource.Answer answer = SpringCloudServerSource.Answer.of(List.of(PLAIN, SECURE, OUT), null);
        assertThat(answer.servers()).containsExactly(address(PLAIN), address(SECURE));
        assertThat(answer.notServing()).containsExactly(address(OUT));
    }

    private static ServiceInstance instance(String host, int port, boolean secure, Map<String, String> metadata) {
        return new DefaultServiceInstance(host + "-" + port, "orders-service", host, port, secure, metadata);
    }

    private static ServerAddress address(ServiceInstance instance) {
        return ServerAddress.of(instance.getHost(), instance.getPort());
    }
}
