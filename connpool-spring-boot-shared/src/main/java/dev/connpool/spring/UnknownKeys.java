package dev.connpool.spring;

import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * A key under {@code connpool.pools.<name>} or {@code connpool.defaults} that no setting has, reported as the
 * starter reports any bad value ({@link ConnpoolConfigurationException}), with the closest key there is:
 * {@code connpool.pools.backend.max-activ} → "did you mean 'max-active'?". The keys are those of the
 * properties classes ({@link PoolProperties}, {@link PoolDefaultsProperties} and the groups of this package
 * they nest, such as {@link RetryProperties}), read from their bean properties when a key is unknown, so a new
 * setting needs nothing here. Stateless.
 */
final class UnknownKeys {

    private UnknownKeys() {
    }

    /**
     * The exception for keys a bind left unbound.
     *
     * @param prefix  what was bound: {@code connpool.pools} (a map of pools) or {@code connpool.defaults}
     * @param perPool whether the bound name is a map of pools, so that the element after the prefix is a
     *                pool's name
     * @param type    the properties class of a pool, or of the defaults
     * @param unbound Spring Boot's report of the keys left unbound
     * @param cause   the bind's failure
     */
    static ConnpoolConfigurationException refuse(String prefix, boolean perPool, Class<?> type,
                                                 UnboundConfigurationPropertiesException unbound, BindException cause) {
        List<String> known = keys(type);
        int skip = ConfigurationPropertyName.of(prefix).getNumberOfElements() + (perPool ? 1 : 0);
        List<ConfigurationProperty> properties = unbound.getUnboundProperties().stream()
                .sorted(Comparator.comparing(p -> p.getName().toString())).toList();
        List<String> reasons = new ArrayList<>();
        for (ConfigurationProperty property : properties) {
            String key = relative(property.getName(), skip);
            String suggestion = closest(key, known);
            reasons.add((reasons.isEmpty() ? "" : property.getName() + ": ") + owner(property.getName(), skip, perPool)
                    + " has no key '" + key + "'" + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)")
                    + (property.getOrigin() == null ? "" : ", set in " + property.getOrigin()));
        }
        ConfigurationProperty first = properties.get(0);
        String suggestion = closest(relative(first.getName(), skip), known);
        String action = suggestion != null
                ? "Rename " + first.getName() + " to " + first.getName().chop(skip) + "." + suggestion + "."
                : "Remove " + first.getName() + ", or use one of the keys " + owner(first.getName(), skip, perPool)
                        + " takes: " + known.stream().sorted().collect(Collectors.joining(", ")) + ".";
        return new ConnpoolConfigurationException(first.getName().toString(), first.getValue(),
                String.join("; ", reasons), action, cause);
    }

    /** "pool 'backend'" or "connpool.defaults". */
    private static String owner(ConfigurationPropertyName name, int skip, boolean perPool) {
        return perPool ? "pool '" + name.getElement(skip - 1, ConfigurationPropertyName.Form.ORIGINAL) + "'"
                : name.chop(skip).toString();
    }

    /** The key below the pool (or the defaults), such as {@code retry.backoff.min}. */
    private static String relative(ConfigurationPropertyName name, int skip) {
        List<String> elements = new ArrayList<>();
        for (int i = skip; i < name.getNumberOfElements(); i++) {
            elements.add(name.isNumericIndex(i) ? "[" + name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL) + "]"
                    : name.getElement(i, ConfigurationPropertyName.Form.DASHED));
        }
        return String.join(".", elements).replace(".[", "[");
    }

    /**
     * Every key of a properties class, dashed and dotted as in YAML ({@code max-active},
     * {@code retry.backoff.min}), nested classes of this package expanded.
     */
    static List<String> keys(Class<?> type) {
        List<String> keys = new ArrayList<>();
        collect(type, "", keys);
        return keys;
    }

    private static void collect(Class<?> type, String prefix, List<String> keys) {
        for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
            if (property.getReadMethod() == null || property.getName().equals("class")) {
                continue;
            }
            Class<?> value = property.getPropertyType();
            String key = prefix + dashed(property.getName());
            if (!value.isEnum() && value.getPackageName().equals(UnknownKeys.class.getPackageName())) {
                collect(value, key + ".", keys);
            } else {
                keys.add(key);
            }
        }
    }

    /** {@code maxActive} → {@code max-active}. */
    static String dashed(String camel) {
        StringBuilder dashed = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                dashed.append('-').append(Character.toLowerCase(c));
            } else {
                dashed.append(c);
            }
        }
        return dashed.toString();
    }

    /**
     * The known key closest to {@code key}: one that ends with it ({@code backoff.min} →
     * {@code retry.backoff.min}), else the one fewest edits away, if that is at most a third of the key's
     * length (at least 2) away; {@code null} when none is that close.
     */
    static String closest(String key, Collection<String> known) {
        String wanted = key.toLowerCase(Locale.ROOT);
        List<String> endingWith = known.stream().filter(k -> k.endsWith("." + wanted)).toList();
        if (endingWith.size() == 1) {
            return endingWith.get(0);
        }
        int limit = Math.max(2, wanted.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(wanted, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= limit ? best : null;
    }

    /** The Levenshtein distance: the fewest single-character insertions, deletions and replacements. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
