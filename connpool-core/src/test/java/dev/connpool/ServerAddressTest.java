package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerAddressTest {

    @ParameterizedTest
    @CsvSource({
            "db-1:9090, db-1, 9090",
            "DB-1.Example.COM:1, db-1.example.com, 1",
            "10.0.0.1:65535, 10.0.0.1, 65535",
            "[::1]:6379, ::1, 6379",
            "' redis:6379 ', redis, 6379",
    })
    void parsesHostAndPort(String text, String host, int port) {
        ServerAddress address = ServerAddress.parse(text);
        assertThat(address.host()).isEqualTo(host);
        assertThat(address.port()).isEqualTo(port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"db-1:9090", "[::1]:6379", "[2001:db8::7]:11211"})
    void toStringParsesBack(String text) {
        assertThat(ServerAddress.parse(text).toString()).isEqualTo(text);
        assertThat(ServerAddress.parse(ServerAddress.parse(text).toString())).isEqualTo(ServerAddress.parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''          | no port",
            "host        | no port",
            "host:0      | outside 1..65535",
            "host:70000  | outside 1..65535",
            "a:b:c       | more than one ':'",
            "[::1        | no closing ']'",
            "host:abc    | is not a number",
            ":80         | no host",
            "[::1]       | expected ':port'",
            "[db]:80     | only for IPv6",
            "my host:80  | contains",
    })
    void rejectsBadTextQuotingIt(String text, String why) {
        assertThatThrownBy(() -> ServerAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\"")
                .hasMessageContaining(why);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> ServerAddress.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @Test
    void ofChecksComponents() {
        assertThatThrownBy(() -> ServerAddress.of(" ", 80)).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> ServerAddress.of("db", 0)).hasMessageContaining("got 0").hasMessageContaining("db");
        assertThat(ServerAddress.of("[::1]", 80)).isEqualTo(ServerAddress.of("::1", 80));
        assertThat(ServerAddress.of("DB", 80)).isEqualTo(ServerAddress.of("db", 80));
    }
}
