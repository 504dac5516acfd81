package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The memcached example of {@code docs/affinity.md} is {@link MemcachedText}, which {@link MemcachedAffinityTest}
 * runs against real memcached processes: the page's block after {@code <!-- example: MemcachedText -->} is the code
 * between the class's two marker comments, unindented; a change to either side without the other fails here.
 */
class DocsMemcachedExampleTest {

    @Test
    void theAffinityPageShowsTheTestedMemcachedCode() throws IOException {
        Path module = Files.isDirectory(Path.of("src/test/java")) ? Path.of("") : Path.of("connpool-core");
        List<String> source = Files.readAllLines(module.resolve("src/test/java/dev/connpool/MemcachedText.java"));
        int begin = source.indexOf("    // docs:memcached begin");
        int end = source.indexOf("    // docs:memcached end");
        assertThat(begin).isPositive();
        assertThat(end).isGreaterThan(begin);
        String code = source.subList(begin + 1, end).stream().map(line -> line.isEmpty() ? line : line.substring(4))
                .collect(Collectors.joining("\n"));

        List<String> page = Files.readAllLines(module.toAbsolutePath().getParent().resolve("docs/affinity.md"));
        int at = page.indexOf("<!-- example: MemcachedText -->");
        assertThat(at).as("docs/affinity.md marker").isNotNegative();
        assertThat(page.get(at + 1)).isEqualTo("```java");
        int close = page.subList(at + 2, page.size()).indexOf("```") + at + 2;
        assertThat(String.join("\n", page.subList(at + 2, close))).isEqualTo(code);
    }
}
