package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.ConnectionFactory;
import dev.connpool.DnsServerSource;
import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSourceSupport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The settings table of {@code docs/settings.md} and the configuration metadata against core's settings
 * ({@link dev.connpool.PoolSettings#toMap()} of a pool built with every default): every core setting has a
 * row in the table and a {@code connpool.defaults.*} metadata entry, both with core's default, and neither lists
 * a pool setting beyond core's but the starter's own ({@code factory}, {@code socket.*}, and in the table
 * the per-pool {@code primary} and {@code discovery.*}); the table lists every discovery key of
 * {@link DiscoveryProperties} (ZooKeeper, DNS, Spring Cloud) and no other, with the code's defaults.
 */
class SettingsDocumentationTests {

    /** Pool keys the starter adds to core's: the factory bean, the built-in TCP factory, the hedge executor bean. */
    private static final Set<String> STARTER_KEYS = Set.of("factory", "socket.connect-timeout", "socket.read-timeout",
            "socket.tcp-no-delay", "socket.keep-alive", "socket.ssl-bundle", "socket.probe.request", "socket.probe.reply",
            "hedge.executor");
    /** Per-pool keys, not under connpool.defaults: whether the pool's bean is primary, and its discovery. */
    private static final String PRIMARY = "primary";
    private static final String DISCOVERY = "discovery.";
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|min|h)");

    private static final Map<String, Object> CORE = coreDefaults();

    @Test
    void theSettingsPageShouldListEveryCoreSettingWithItsDefaultAndNothingElse() throws IOException {
        Map<String, String> documented = documentedDefaults();
        for (Map.Entry<String, Object> setting : CORE.entrySet()) {
            String key = setting.getKey();
            assertThat(documented).as("docs/settings.md row for " + key).containsKey(key);
            assertThat(documentedValue(documented.get(key), setting.getValue()))
                    .as("docs/settings.md default of " + key + ": " + documented.get(key))
                    .isEqualTo(setting.getValue());
        }
        Set<String> extra = new TreeSet<>(documented.keySet());
        extra.removeAll(CORE.keySet());
        extra.removeAll(STARTER_KEYS);
        extra.remove(PRIMARY);
        extra.removeIf(key -> key.startsWith(DISCOVERY));
        assertThat(extra).as("docs/settings.md rows that are no setting").isEmpty();
    }

    @Test
    void theSettingsTableShouldListEveryDiscoveryKeyWithItsDefaultAndNothingElse() throws IOException {
        Map<String, String> table = documentedDefaults();
        Set<String> documented = new TreeSet<>(table.keySet());
        documented.removeIf(key -> !key.startsWith(DISCOVERY));
        Set<String> keys = new TreeSet<>();
        UnknownKeys.keys(DiscoveryProperties.class).forEach(key -> keys.add(DISCOVERY + key));
        assertThat(documented).as("docs/settings.md rows of discovery.*").isEqualTo(keys);
        documented.forEach(key -> assertThat(table.get(key)).as("docs/settings.md default of " + key).isNotBlank());
        Map<String, Duration> defaults = Map.of(
                "discovery.zookeeper.removal-delay", ServerSourceSupport.DEFAULT_REMOVAL_DELAY,
                "discovery.zookeeper.session-timeout", ZooKeeperDiscoverySettings.DEFAULT_SESSION_TIMEOUT,
                "discovery.zookeeper.connection-timeout", ZooKeeperDiscoverySettings.DEFAULT_CONNECTION_TIMEOUT,
                "discovery.dns.refresh-interval", DnsServerSource.DEFAULT_REFRESH_INTERVAL,
                "discovery.dns.removal-delay", ServerSourceSupport.DEFAULT_REMOVAL_DELAY,
                "discovery.spring-cloud.refresh-interval", SpringCloudDiscoverySettings.DEFAULT_REFRESH_INTERVAL,
                "discovery.spring-cloud.removal-delay", SpringCloudDiscoverySettings.DEFAULT_REMOVAL_DELAY);
        defaults.forEach((key, real) -> assertThat(documentedValue(table.get(key), real))
                .as("docs/settings.md default of " + key + ": " + table.get(key)).isEqualTo(real));
    }

    @Test
    void theMetadataShouldListEveryCoreSettingWithItsDefaultAndNothingElse() {
        Map<String, JsonNode> metadata = metadataDefaults();
        for (Map.Entry<String, Object> setting : CORE.entrySet()) {
            String key = setting.getKey();
            JsonNode property = metadata.get(key);
            assertThat(property).as("metadata of connpool.defaults." + key).isNotNull();
            assertThat(property.path("description").asText("")).as(key + " description").isNotBlank();
            JsonNode documented = property.get("defaultValue");
            Object real = setting.getValue();
            if (key.equals("servers")) {
                assertThat(documented).as("servers have no default").isNull();
            } else if (key.equals("max-idle")) {
                assertThat(documented).as("max-idle defaults to another setting").isNull();
                assertThat(property.get("description").asText()).contains("max-active");
                assertThat(real).isEqualTo(CORE.get("max-active"));
            } else {
                assertThat(documented).as(key + " default").isNotNull();
                assertThat(metadataValue(documented, real)).as(key + " default " + documented).isEqualTo(real);
            }
        }
        Set<String> extra = new TreeSet<>(metadata.keySet());
        extra.removeAll(CORE.keySet());
        assertThat(extra).as("connpool.defaults keys beyond core's settings").isEqualTo(new TreeSet<>(STARTER_KEYS));
    }

    /** Core's settings, flattened to their YAML keys, with the defaults of a pool built with none set. */
    private static Map<String, Object> coreDefaults() {
        ConnectionFactory<Object> none = new ConnectionFactory<>() {
            @Override
            public Object create(ServerAddress server) {
                throw new AssertionError();
            }

            @Override
            public void destroy(ServerAddress server, Object connection) {
                // none made
            }
        };
        try (MultiPool<Object> pool = MultiPool.builder(none).name("defaults").build()) {
            Map<String, Object> flat = new LinkedHashMap<>();
            flatten("", pool.settings().toMap(), flat);
            return flat;
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, Map<String, Object> into) {
        map.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                flatten(prefix + key + ".", (Map<String, Object>) nested, into);
            } else {
                into.put(prefix + key, value);
            }
        });
    }

    /** The settings table of docs/settings.md: each key of its first column with the matching part of its default. */
    private static Map<String, String> documentedDefaults() throws IOException {
        List<String> lines = Files.readAllLines(settingsPage());
        int start = lines.indexOf("## Settings");
        assertThat(start).as("docs/settings.md has a ## Settings section").isNotNegative();
        Map<String, String> defaults = new LinkedHashMap<>();
        Pattern code = Pattern.compile("`([^`]+)`");
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] columns = line.substring(1).split(" \\| ");
            List<String> keys = new ArrayList<>();
            Matcher m = code.matcher(columns[0]);
            while (m.find()) {
                String key = m.group(1);
                if (key.startsWith(".")) {
                    String first = keys.get(0);
                    key = first.substring(0, first.lastIndexOf('.')) + key;
                }
                keys.add(key);
            }
            String[] parts = keys.size() > 1 ? columns[2].split(", ") : new String[] {columns[2]};
            assertThat(parts).as("one default per key in: " + line).hasSize(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                defaults.put(keys.get(i), parts[i].strip());
            }
        }
        return defaults;
    }

    /**
     * A documented default as core's value: "1 s", "5 min", "0 (none)" (a duration when core's is one),
     * "-1 (none)", "= max-active", "`least-active`".
     */
    private static Object documentedValue(String text, Object real) {
        String value = text.replaceAll("\\(.*\\)", "").replace("`", "").strip();
        if (real instanceof Duration && value.equals("0")) {
            return Duration.ZERO;
        }
        if (value.startsWith("= ")) {
            return CORE.get(value.substring(2));
        }
        if (value.equals("none")) {
            return List.of();
        }
        Matcher duration = DURATION.matcher(value);
        if (duration.matches()) {
            long amount = Long.parseLong(duration.group(1));
            return switch (duration.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "min" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        if (value.matches("-?\\d+")) {
            return Integer.valueOf(value);
        }
        if (value.matches("-?\\d+\\.\\d+")) {
            return Double.valueOf(value);
        }
        return value;
    }

    /** A metadata default as a value of the same type as core's, so that "0" may mean Duration.ZERO. */
    private static Object metadataValue(JsonNode documented, Object real) {
        if (real instanceof Duration) {
            return DurationStyle.detectAndParse(documented.asText());
        }
        if (real instanceof Integer) {
            return documented.isIntegralNumber() ? documented.asInt() : documented;
        }
        if (real instanceof Double) {
            return documented.isNumber() ? documented.asDouble() : documented;
        }
        if (real instanceof Boolean) {
            return documented.isBoolean() ? documented.asBoolean() : documented;
        }
        return documented.asText();
    }

    private static Path settingsPage() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path page = dir.resolve("docs/settings.md");
            if (Files.isRegularFile(page) && Files.isRegularFile(dir.resolve("mvnw"))) {
                return page;
            }
        }
        throw new AssertionError("no docs/settings.md beside mvnw above " + Path.of("").toAbsolutePath());
    }

    /** The generated metadata's connpool.defaults.* properties, by key. */
    private static Map<String, JsonNode> metadataDefaults() {
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        String prefix = "connpool.defaults.";
        for (JsonNode property : metadata().get("properties")) {
            String name = property.get("name").asText();
            if (name.startsWith(prefix)) {
                byKey.put(name.substring(prefix.length()), property);
            }
        }
        return byKey;
    }

    private static JsonNode metadata() {
        try {
            ObjectMapper json = new ObjectMapper();
            for (URL url : Collections.list(SettingsDocumentationTests.class.getClassLoader()
                    .getResources("META-INF/spring-configuration-metadata.json"))) {
                try (InputStream in = url.openStream()) {
                    JsonNode metadata = json.readTree(in);
                    for (JsonNode group : metadata.path("groups")) {
                        if (group.get("name").asText().equals("connpool")) {
                            return metadata;
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("no generated configuration metadata with a 'connpool' group on the class path");
    }
}
