package dev.connpool.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.connpool.ServerAddress;

/** Reading one x-discovery instance's JSON. */
class ParseInstanceTest {

    private static ServerAddress parse(String json) {
        return CuratorInstanceReader.parse(json.getBytes(StandardCharsets.UTF_8));
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
