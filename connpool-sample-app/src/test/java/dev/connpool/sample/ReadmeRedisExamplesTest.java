package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's two Redis classifiers are the code that is compiled and tested: the Jedis one is
 * {@link RedisConnectionFactory#classify} of the sample app, the Lettuce one {@link LettuceConnectionFactory}'s
 * (a test class, compiled against Lettuce and checked by {@link RedisClassifiersTest}). Each README block
 * follows an HTML comment naming its class; a change to either side without the other fails here.
 */
class ReadmeRedisExamplesTest {

    @Test
    void theReadmeShowsTheJedisFactorysClassifyAsItIs() throws IOException {
        assertThat(readmeBlockAfter("<!-- classify: RedisConnectionFactory -->"))
                .isEqualTo(classifyOf(module().resolve("src/main/java/dev/connpool/sample/RedisConnectionFactory.java")));
    }

    @Test
    void theReadmeShowsTheCompiledLettuceClassify() throws IOException {
        assertThat(readmeBlockAfter("<!-- classify: LettuceConnectionFactory -->"))
                .isEqualTo(classifyOf(module().resolve("src/test/java/dev/connpool/sample/LettuceConnectionFactory.java")));
    }

    /** The fenced Java block that follows {@code marker} in the README, without its fences. */
    private static String readmeBlockAfter(String marker) throws IOException {
        List<String> lines = Files.readAllLines(module().getParent().resolve("README.md"));
        int at = lines.indexOf(marker);
        assertThat(at).as("README line " + marker).isNotNegative();
        assertThat(lines.get(at + 1)).as("the line after " + marker).isEqualTo("```java");
        int end = at + 2;
        while (end < lines.size() && !lines.get(end).equals("```")) {
            end++;
        }
        return String.join("\n", lines.subList(at + 2, end));
    }

    /** The {@code classify} method of a source file, from its {@code @Override} to its closing brace, unindented. */
    private static String classifyOf(Path source) throws IOException {
        List<String> lines = Files.readAllLines(source);
        int start = lines.indexOf("    public FailureKind classify(ServerAddress server, Throwable failure) {") - 1;
        assertThat(start).as("classify in " + source).isPositive();
        assertThat(lines.get(start)).isEqualTo("    @Override");
        int end = lines.subList(start, lines.size()).indexOf("    }") + start;
        return lines.subList(start, end + 1).stream().map(line -> line.isEmpty() ? line : line.substring(4))
                .collect(Collectors.joining("\n"));
    }

    /** connpool-sample-app, wherever the build runs from. */
    private static Path module() {
        Path here = Path.of("").toAbsolutePath();
        Path module = Files.isRegularFile(here.resolve("src/main/java/dev/connpool/sample/RedisConnectionFactory.java"))
                ? here : here.resolve("connpool-sample-app");
        assertThat(module.getParent().resolve("README.md")).as("README.md above " + module).isRegularFile();
        return module;
    }
}
