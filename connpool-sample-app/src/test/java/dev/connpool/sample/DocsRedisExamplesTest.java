package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The two Redis classifiers of {@code docs/failures.md} are the code that is compiled and tested: the Jedis one is
 * {@link RedisConnectionFactory#classify} of the sample app, the Lettuce one {@link LettuceConnectionFactory}'s
 * (a test class, compiled against Lettuce and checked by {@link RedisClassifiersTest}). Each block of the page
 * follows an HTML comment naming its class; a change to either side without the other fails here.
 */
class DocsRedisExamplesTest {

    @Test
    void theFailuresPageShowsTheJedisFactorysClassifyAsItIs() throws IOException {
        assertThat(blockAfter("<!-- classify: RedisConnectionFactory -->"))
                .isEqualTo(classifyOf(module().resolve("src/main/java/dev/connpool/sample/RedisConnectionFactory.java")));
    }

    @Test
    void theFailuresPageShowsTheCompiledLettuceClassify() throws IOException {
        assertThat(blockAfter("<!-- classify: LettuceConnectionFactory -->"))
                .isEqualTo(classifyOf(module().resolve("src/test/java/dev/connpool/sample/LettuceConnectionFactory.java")));
    }

    /** The fenced Java block that follows {@code marker} in docs/failures.md, without its fences. */
    private static String blockAfter(String marker) throws IOException {
        List<String> lines = Files.readAllLines(failuresPage());
        int at = lines.indexOf(marker);
        assertThat(at).as("docs/failures.md line " + marker).isNotNegative();
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
        return module;
    }

    /** docs/failures.md, beside connpool-sample-app. */
    private static Path failuresPage() {
        Path page = module().getParent().resolve("docs/failures.md");
        assertThat(page).as("docs/failures.md beside " + module()).isRegularFile();
        return page;
    }
}
