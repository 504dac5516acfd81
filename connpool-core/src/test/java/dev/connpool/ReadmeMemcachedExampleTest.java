package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's memcached example is {@link MemcachedText}, which {@link MemcachedAffinityTest} runs against real
 * memcached processes: the README block after {@code <!-- example: MemcachedText -->} is the code between the
 * class's two marker comments, unindented; a change to either side without the other fails here.
 */
class ReadmeMemcachedExampleTest {

    @Test
    void theReadmeShowsTheTestedMemcachedCode() throws IOException {
        Path module = Files.isDirectory(Path.of("src/test/java")) ? Path.of("") : Path.of("connpool-core");
        List<String> source = Files.readAllLines(module.resolve("src/test/java/dev/connpool/MemcachedText.java"));
        int begin = source.indexOf("    // README:memcached begin");
        int end = source.indexOf("    // README:memcached end");
        assertThat(begin).isPositive();
        assertThat(end).isGreaterThan(begin);
        String code = source.subList(begin + 1, end).stream().map(line -> line.isEmpty() ? line : line.substring(4))
                .collect(Collectors.joining("\n"));

        List<String> readme = Files.readAllLines(module.toAbsolutePath().getParent().resolve("README.md"));
        int at = readme.indexOf("<!-- example: MemcachedText -->");
        assertThat(at).as("README marker").isNotNegative();
        assertThat(readme.get(at + 1)).isEqualTo("```java");
        int close = readme.subList(at + 2, readme.size()).indexOf("```") + at + 2;
        assertThat(String.join("\n", readme.subList(at + 2, close))).isEqualTo(code);
    }
}
