package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RESP encoding and reply parsing, byte for byte. */
class RespTest {

    @Test
    void aCommandIsAnArrayOfBulkStrings() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Resp.send(out, "SET", "a key", "line 1\r\nü");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("*3\r\n$3\r\nSET\r\n$5\r\na key\r\n$10\r\nline 1\r\nü\r\n");
    }

    @Test
    void repliesOfEveryType() throws IOException {
        assertThat(read("+OK\r\n")).isEqualTo(new Resp.Simple("OK"));
        assertThat(read(":42\r\n")).isEqualTo(42L);
        assertThat(read("$7\r\na\r\nb ü\r\n")).isEqualTo("a\r\nb ü");
        assertThat(read("$0\r\n\r\n")).isEqualTo("");
        assertThat(read("$-1\r\n")).isNull();
        assertThat(read("*-1\r\n")).isNull();
        assertThat(read("*3\r\n$1\r\na\r\n:1\r\n$-1\r\n")).isEqualTo(java.util.Arrays.asList("a", 1L, null));
        assertThat(read("*0\r\n")).isEqualTo(List.of());
    }

    @Test
    void anErrorReplyIsThrownWithItsMessage() {
        assertThatThrownBy(() -> read("-ERR unknown command 'FOO'\r\n")).isInstanceOf(RedisErrorException.class)
                .hasMessage("ERR unknown command 'FOO'");
    }

    @Test
    void brokenRepliesAreIoErrors() {
        assertThatThrownBy(() -> read("")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("$5\r\nab")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("+OK")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read("$2\r\nabc\r\n")).isInstanceOf(IOException.class).hasMessageContaining("CRLF");
        assertThatThrownBy(() -> read("$x\r\n")).isInstanceOf(IOException.class).hasMessageContaining("'x'");
        assertThatThrownBy(() -> read("PONG\n")).isInstanceOf(IOException.class)
                .hasMessageContaining("not a RESP reply: it starts with 'P'");
    }

    private static Object read(String reply) throws IOException {
        return Resp.read(new ByteArrayInputStream(reply.getBytes(StandardCharsets.UTF_8)));
    }
}
