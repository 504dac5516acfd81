package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

import dev.connpool.Balancer;
import dev.connpool.SocketConnectionFactory;
import dev.connpool.zookeeper.DiscoveryFormat;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The configuration metadata the build generates (META-INF/spring-configuration-metadata.json, from the
 * properties' javadoc plus META-INF/additional-spring-configuration-metadata.json): every setting with a
 * description and its default, for connpool.defaults and, through the map's value type, for connpool.pools.
 */
class ConfigurationMetadataTests {

    /** Every setting of a pool, with its documented default ({@code null}: none, or not a fixed value). */
    private static final Map<String, Object> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("servers", null);
        SETTINGS.put("factory", null);
        SETTINGS.put("max-active", 8);
        SETTINGS.put("max-idle", null); // = max-active
        SETTINGS.put("min-idle", 0);
        SETTINGS.put("max-total", -1);
        SETTINGS.put("max-wait", "1s");
        SETTINGS.put("idle-timeout", "5m");
        SETTINGS.put("max-lifetime", "0s");
        SETTINGS.put("validate-on-borrow", true);
        SETTINGS.put("validate-while-idle", true);
        SETTINGS.put("balancer", "least-latency");
        SETTINGS.put("retry.attempts", 3);
        SETTINGS.put("retry.backoff.min", "10ms");
        SETTINGS.put("retry.backoff.max", "1s");
        SETTINGS.put("retry.backoff.factor", 2.0);
        SETTINGS.put("retry.backoff.jitter", 0.2);
        SETTINGS.put("retry.budget.ratio", 0.2);
        SETTINGS.put("retry.budget.min-per-second", 10);
        SETTINGS.put("retry.budget.window", "10s");
        SETTINGS.put("ejection.consecutive-failures", 3);
        SETTINGS.put("ejection.base-time", "1s");
        SETTINGS.put("ejection.max-time", "30s");
        SETTINGS.put("ejection.max-percent", 50);
        SETTINGS.put("socket.connect-timeout", "1s");
        SETTINGS.put("socket.read-timeout", "10s");
        SETTINGS.put("socket.tcp-no-delay", true);
        SETTINGS.put("socket.keep-alive", true);
        SETTINGS.put("socket.ssl-bundle", null);
        SETTINGS.put("shutdown-timeout", "10s");
        SETTINGS.put("leak-detection-threshold", "0s");
        SETTINGS.put("health-check.interval", "10s");
        SETTINGS.put("affinity.algorithm", "rendezvous");
        SETTINGS.put("affinity.return-delay", "30s");
        SETTINGS.put("affinity.load-bound", 0.0);
        SETTINGS.put("least-latency.decay", "2s");
        SETTINGS.put("slow-start.window", "10s");
        SETTINGS.put("socket.probe.request", null);
        SETTINGS.put("socket.probe.reply", null);
        SETTINGS.put("hedge.delay", "off");
        SETTINGS.put("hedge.executor", null);
    }

    private static final JsonNode METADATA = load();

    @Test
    void everyDefaultsKeyShouldHaveADescriptionAndItsDefault() {
        SETTINGS.forEach((key, expected) -> {
            JsonNode property = property("connpool.defaults." + key);
            assertThat(property).as("connpool.defaults." + key).isNotNull();
            assertDescribedWithDefault("connpool.defaults." + key, property, expected);
        });
        assertThat(property("connpool.defaults.max-idle").get("description").asText()).contains("max-active");
        assertThat(properties().stream().map(p -> p.get("name").asText())
                .filter(n -> n.startsWith("connpool.defaults.")).toList())
                .as("no key beyond the settings").hasSize(SETTINGS.size());
    }

    @Test
    void everyPoolKeyShouldResolveThroughTheMapsValueTypeWithADescriptionAndItsDefault() {
        JsonNode pools = property("connpool.pools");
        assertThat(pools).isNotNull();
        assertThat(pools.get("type").asText())
                .isEqualTo("java.util.Map<java.lang.String," + PoolProperties.class.getName() + ">");
        assertThat(pools.get("description").asText()).contains("connpool.defaults")
                .contains("connpool.pools.orders.max-active");
        SETTINGS.forEach((key, expected) -> {
            String name = "connpool.pools.orders." + key;
            JsonNode property = resolveAsAnIdeWould(name);
            assertThat(property).as(name).isNotNull();
            assertDescribedWithDefault(name, property, expected);
        });
    }

    @Test
    void everyPoolKeyShouldBindAsItIsNamed() {
        SETTINGS.keySet().forEach(key -> {
            String type = property("connpool.defaults." + key).get("type").asText();
            Map<String, String> source = Map.of("connpool.pools.orders." + key, sample(type),
                    "connpool.defaults." + key, sample(type));
            Binder binder = new Binder(new MapConfigurationPropertySource(source));
            assertThatNoException().as(key).isThrownBy(() -> assertThat(binder.bind("connpool",
                    Bindable.of(ConnpoolProperties.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT)).isBound()).isTrue());
        });
    }

    /** Each group of keys is a properties class of its own (one concern per file), named in the metadata. */
    @Test
    void everyGroupShouldBeAClassOfItsOwn() {
        Map<String, String> groups = new LinkedHashMap<>();
        METADATA.get("groups").forEach(g -> groups.put(g.get("name").asText(), g.get("type").asText()));
        assertThat(groups).containsEntry("connpool.defaults", PoolDefaultsProperties.class.getName())
                .containsEntry("connpool.defaults.retry", RetryProperties.class.getName())
                .containsEntry("connpool.defaults.retry.backoff", BackoffProperties.class.getName())
                .containsEntry("connpool.defaults.retry.budget", RetryBudgetProperties.class.getName())
                .containsEntry("connpool.defaults.ejection", EjectionProperties.class.getName())
                .containsEntry("connpool.defaults.health-check", HealthCheckProperties.class.getName())
                .containsEntry("connpool.defaults.affinity", AffinityProperties.class.getName())
                .containsEntry("connpool.defaults.hedge", HedgeProperties.class.getName())
                .containsEntry("connpool.defaults.socket", SocketProperties.class.getName())
                .containsEntry("connpool.defaults.socket.probe", SocketProbeProperties.class.getName())
                .containsEntry("connpool.defaults.least-latency", LeastLatencyProperties.class.getName())
                .containsEntry("connpool.defaults.slow-start", SlowStartProperties.class.getName());
        assertThat(groups.values()).as("no nested class").noneMatch(type -> type.contains("$"));
    }

    /** Core's settings: see {@link SettingsDocumentationTests}. The built-in TCP factory's defaults here. */
    @Test
    void theDocumentedSocketDefaultsShouldBeTheRealOnes() {
        String socket = SocketConnectionFactory.builder().build().toString();
        assertThat(socket).contains("connectTimeout=" + millis("socket.connect-timeout") + "ms")
                .contains("readTimeout=" + millis("socket.read-timeout") + "ms")
                .contains("tcpNoDelay=" + property("connpool.defaults.socket.tcp-no-delay").get("defaultValue").asBoolean())
                .contains("keepAlive=" + property("connpool.defaults.socket.keep-alive").get("defaultValue").asBoolean());
    }

    /**
     * An IDE completes an enum's constants wherever the type is met, connpool.pools.<name> included (a hint
     * reaches connpool.defaults only); the constants are core's names, derived, never listed twice.
     */
    @Test
    void balancerAndDiscoveryFormatShouldBeEnumsWhoseValuesAreTheLibrarysNames() throws Exception {
        assertThat(property("connpool.defaults.balancer").get("type").asText()).isEqualTo(BalancerType.class.getName());
        assertThat(PoolProperties.class.getMethod("getBalancer").getReturnType()).isEqualTo(BalancerType.class);
        assertThat(Arrays.stream(BalancerType.values()).map(BalancerType::key)).containsExactlyElementsOf(Balancer.NAMES);
        for (BalancerType type : BalancerType.values()) {
            assertThat(type.create().name()).isEqualTo(type.key());
        }
        assertThat(DiscoveryProperties.Zookeeper.class.getMethod("getFormat").getReturnType())
                .isEqualTo(DiscoveryFormatType.class);
        assertThat(Arrays.stream(DiscoveryFormatType.values()).map(Enum::name))
                .containsExactlyElementsOf(Arrays.stream(DiscoveryFormat.values()).map(Enum::name).toList());
        assertThat(hint("connpool.defaults.balancer")).as("no second list of the balancers' names").isNull();
    }

    @Test
    void aBalancerOrFormatShouldBindAsConnpoolAcceptedItBefore() {
        for (String value : List.of("least-active", "LEAST_ACTIVE", "leastactive", " least-active ", "Least-Active")) {
            Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("connpool.defaults.balancer", value)));
            assertThat(binder.bind("connpool", ConnpoolProperties.class).get().getDefaults().getBalancer())
                    .as(value).isEqualTo(BalancerType.LEAST_ACTIVE);
        }
        Binder binder = new Binder(new MapConfigurationPropertySource(
                Map.of("connpool.pools.orders.discovery.zookeeper.format", "Curator")));
        assertThat(binder.bind("connpool", ConnpoolProperties.class).get().getPools().get("orders").getDiscovery()
                .getZookeeper().getFormat()).isEqualTo(DiscoveryFormatType.CURATOR);
    }

    @Test
    void discoveryShouldNotBeAdvertisedUnderTheDefaultsWhichRefuseIt() {
        assertThat(properties().stream().map(p -> p.get("name").asText())
                .filter(n -> n.startsWith("connpool.defaults.discovery"))).isEmpty();
        List<String> hinted = new ArrayList<>();
        METADATA.path("hints").forEach(h -> hinted.add(h.get("name").asText()));
        assertThat(hinted).noneMatch(n -> n.contains("discovery"));
        List<String> groups = new ArrayList<>();
        METADATA.path("groups").forEach(g -> groups.add(g.get("name").asText()));
        assertThat(groups).noneMatch(n -> n.startsWith("connpool.defaults.discovery"));
    }

    @Test
    void enabledShouldHaveADescriptionAndDefaultTrue() {
        assertDescribedWithDefault("connpool.enabled", property("connpool.enabled"), true);
    }

    private static void assertDescribedWithDefault(String name, JsonNode property, Object expected) {
        assertThat(property.path("description").asText("")).as(name + " description").isNotBlank();
        JsonNode actual = property.get("defaultValue");
        if (expected == null) {
            assertThat(actual).as(name + " default").isNull();
        } else if (expected instanceof Number n) {
            assertThat(actual).as(name + " default").isNotNull();
            assertThat(actual.isNumber()).as(name + " default is a number").isTrue();
            assertThat(actual.asDouble()).as(name + " default").isEqualTo(n.doubleValue());
        } else if (expected instanceof Boolean b) {
            assertThat(actual).as(name + " default").isNotNull();
            assertThat(actual.isBoolean() && actual.asBoolean() == b).as(name + " default " + actual).isTrue();
        } else {
            assertThat(actual).as(name + " default").isNotNull();
            assertThat(actual.asText()).as(name + " default").isEqualTo(expected);
        }
    }

    /**
     * Finds the metadata of {@code connpool.pools.<name>.<key>} the only way the format allows: the map
     * property's value type (or, as an IDE introspecting it does, the type it extends: PoolProperties
     * extends the defaults' PoolDefaultsProperties), the group of that type, and the key under it. The
     * per-pool discovery keys have no metadata: they are documented on PoolProperties only.
     */
    private static JsonNode resolveAsAnIdeWould(String name) {
        for (JsonNode map : properties()) {
            String type = map.get("type").asText();
            String prefix = map.get("name").asText() + ".";
            if (!type.startsWith("java.util.Map<java.lang.String,") || !name.startsWith(prefix)) {
                continue;
            }
            String valueType = type.substring("java.util.Map<java.lang.String,".length(), type.length() - 1);
            String rest = name.substring(prefix.length());
            String key = rest.substring(rest.indexOf('.') + 1);
            for (Class<?> c = load(valueType); c != null; c = c.getSuperclass()) {
                for (JsonNode group : METADATA.get("groups")) {
                    if (group.get("type").asText().equals(c.getName())) {
                        return property(group.get("name").asText() + "." + key);
                    }
                }
            }
        }
        return null;
    }

    private static Class<?> load(String type) {
        try {
            return Class.forName(type);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private static String sample(String type) {
        return switch (type) {
            case "java.lang.Integer" -> "2";
            case "java.lang.Double" -> "1.5";
            case "java.lang.Boolean" -> "false";
            case "java.time.Duration" -> "3s";
            case "java.util.List<java.lang.String>" -> "127.0.0.1:1,127.0.0.1:2";
            case "dev.connpool.spring.BalancerType" -> "round-robin";
            case "dev.connpool.AffinityAlgorithm" -> "ketama";
            default -> "some-name";
        };
    }

    private static long millis(String key) {
        return DurationStyle.detectAndParse(property("connpool.defaults." + key).get("defaultValue").asText()).toMillis();
    }

    private static JsonNode property(String name) {
        return properties().stream().filter(p -> p.get("name").asText().equals(name)).findFirst().orElse(null);
    }

    private static JsonNode hint(String name) {
        for (JsonNode h : METADATA.path("hints")) {
            if (h.get("name").asText().equals(name)) {
                return h;
            }
        }
        return null;
    }

    private static List<JsonNode> properties() {
        List<JsonNode> all = new ArrayList<>();
        METADATA.get("properties").forEach(all::add);
        return all;
    }

    /** This module's generated metadata: of all such files on the class path, the one with the connpool group. */
    private static JsonNode load() {
        try {
            ObjectMapper json = new ObjectMapper();
            for (URL url : Collections.list(ConfigurationMetadataTests.class.getClassLoader()
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
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("no META-INF/spring-configuration-metadata.json with a 'connpool' group on the class"
                + " path: is spring-boot-configuration-processor running?");
    }
}
