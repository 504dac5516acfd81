package dev.connpool.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.connpool.ServerAddress;

/** Reading one x-discovery instance's JSON. */
class ParseInstanceTest {

    /** The server, or null when the instance does not serve. */
    private static ServerAddress parse(String json) {
        CuratorInstanceReader.Instance instance = instance(json, false);
        return instance.notServing() == null ? instance.server() : null;
    }

    private static CuratorInstanceReader.Instance instance(String json, boolean useSslPort) {
        return CuratorInstanceReader.parse(json.getBytes(StandardCharsets.UTF_8), useSslPort);
    }

    /** An instance as Spring Cloud Zookeeper 5.0.2 writes it, with the given status and ports. */
    static String springCloud(String host, Integer port, Integer sslPort, String status) {
        return "{\"name\":\"echo\",\"id\":\"5d3b\",\"address\":\"" + host + "\",\"port\":" + port
                + ",\"sslPort\":" + sslPort + ",\"payload\":{\"@class\":"
                + "\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"echo-1\","
                + "\"name\":\"echo\",\"metadata\":{\"instance_status\":\"" + status + "\"}},"
                + "\"registrationTimeUTC\":1765100000000,\"serviceType\":\"DYNAMIC\",\"uriSpec\":{\"parts\":"
                + "[{\"value\":\"scheme\",\"variable\":true},{\"value\":\"://\",\"variable\":false}]}}";
    }

    @Test
    void onlyInstancesWhoseStatusIsAbsentOrUpAreServers() {
        ServerAddress server = ServerAddress.of("10.0.0.7", 8080);
        assertThat(parse(springCloud("10.0.0.7", 8080, null, "UP"))).isEqualTo(server);
        assertThat(parse(springCloud("10.0.0.7", 8080, null, "up"))).isEqualTo(server);
        assertThat(instance(springCloud("10.0.0.7", 8080, null, "OUT_OF_SERVICE"), false).notServing())
                .isEqualTo("instance_status OUT_OF_SERVICE, not UP");
        assertThat(parse(springCloud("10.0.0.7", 8080, null, "DOWN"))).isNull();
        assertThat(parse(springCloud("10.0.0.7", 8080, null, " "))).as("blank: UP, as Spring Cloud reads it").isEqualTo(server);
        assertThat(instance(springCloud("10.0.0.7", 8080, null, "DOWN"), false).server()).isEqualTo(server);
        assertThat(parse("{\"address\":\"10.0.0.7\",\"port\":8080,\"payload\":{\"metadata\":{}}}")).isEqualTo(server);
        assertThat(parse("{\"address\":\"10.0.0.7\",\"port\":8080,\"payload\":\"a string payload\"}"))
                .isEqualTo(server);
        assertThat(parse("{\"address\":\"10.0.0.7\",\"port\":8080,\"payload\":{\"metadata\":"
                + "{\"instance_status\":7}}}")).isNull();
        assertThat(instance("{\"address\":\"10.0.0.7\",\"port\":80,\"enabled\":false}", false).notServing())
                .contains("disabled");
    }

    @Test
    void aPoolSpeakingTlsTakesTheSslPort() {
        String both = springCloud("10.0.0.7", 8080, 8443, "UP");
        assertThat(instance(both, false).server()).isEqualTo(ServerAddress.of("10.0.0.7", 8080));
        assertThat(instance(both, true).server()).isEqualTo(ServerAddress.of("10.0.0.7", 8443));
        assertThat(instance(springCloud("10.0.0.7", 8080, null, "UP"), true).server())
                .as("no sslPort: the port").isEqualTo(ServerAddress.of("10.0.0.7", 8080));
        assertThatThrownBy(() -> instance(springCloud("10.0.0.7", 8080, 0, "UP"), true))
                .hasMessageContaining("between 1 and 65535");
    }

    @Test
    void takesAddressAndPortOrSslPort() {
        assertThat(parse("{\"address\":\"10.0.0.7\",\"port\":11211,\"sslPort\":11212}"))
                .isEqualTo(ServerAddress.of("10.0.0.7", 11211));
        assertThat(parse("{\"address\":\"cache-1.example\",\"sslPort\":443}"))
                .isEqualTo(ServerAddress.of("cache-1.example", 443));
        assertThat(parse("{\"address\":\"fe80::1\",\"port\":80}")).isEqualTo(ServerAddress.of("fe80::1", 80));
        assertThat(parse("{\"address\":\"10.0.0.7\",\"port\":80,\"enabled\":false}")).isNull();
        assertThat(parse("{\"address\":\"10.0.0.7\",\"port\":80,\"enabled\":true}")).isNotNull();
    }

    @Test
    void saysWhyAnInstanceIsNotUsable() {
        assertThatThrownBy(() -> parse("")).hasMessageContaining("no data");
        assertThatThrownBy(() -> parse("{oops")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> parse("[1,2]")).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> parse("{\"port\":80}")).hasMessageContaining("\"address\"");
        assertThatThrownBy(() -> parse("{\"address\":\" \",\"port\":80}")).hasMessageContaining("\"address\"");
        assertThatThrownBy(() -> parse("{\"address\":\"h\"}")).hasMessageContaining("neither \"port\" nor \"sslPort\"");
        assertThatThrownBy(() -> parse("{\"address\":\"h\",\"port\":\"80\"}")).hasMessageContaining("not a port number");
        assertThatThrownBy(() -> parse("{\"address\":\"h\",\"port\":0}")).hasMessageContaining("between 1 and 65535");
        assertThatThrownBy(() -> parse("{\"address\":\"h\",\"port\":65536}")).hasMessageContaining("65536");
        assertThatThrownBy(() -> parse("{\"address\":\"a b\",\"port\":80}")).hasMessageContaining("\"a b\"");
    }
}
