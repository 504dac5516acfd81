package dev.connpool.benchmarks.fault;

import dev.connpool.Balancer;
import dev.connpool.MultiPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builder settings from the command line ({@code --set key=value}), by the YAML key or the setter's name, so
 * that settings added to {@link MultiPool.Builder} later ({@code slow-start.window}, {@code retry.budget.ratio},
 * {@code hedge.delay}) need no change here. The key becomes a camel-case setter name, first whole
 * ({@code slow-start.window} to {@code slowStartWindow}, {@code ejection.base-time} to {@code ejectionBaseTime}),
 * then without its leading parts while two are left ({@code retry.backoff.min} to {@code backoffMin}); the
 * setter must take one parameter. Values: numbers ({@code 20%} is 0.2), {@code true}/{@code false}, durations
 * ({@code 250ms}, {@code 2s}, {@code 1m}, ISO-8601), a {@link Balancer} by name, an enum constant, an
 * {@link Executor} ({@code virtual}: a virtual thread per task on Java 21+, else a cached pool; {@code cached}),
 * or any type with a static {@code parse}/{@code of}/{@code valueOf}/{@code named} taking a text.
 */
final class BuilderSettings {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|ms|s|m|h|d)");
    private static final List<String> FACTORY_METHODS = List.of("parse", "of", "valueOf", "named", "from");

    private BuilderSettings() {
    }

    /**
     * Calls the setter of each setting on {@code builder}.
     *
     * @return the executors made for settings (to shut down once the pool is closed)
     * @throws IllegalArgumentException naming the key and the value when no setter takes them
     */
    /** Keys of the socket factory's probe ({@code socket.probe.request}, {@code .reply}), as the starter names them. */
    static final String FACTORY_PREFIX = "socket.probe.";

    static List<ExecutorService> apply(MultiPool.Builder<?> builder, Map<String, String> settings) {
        List<ExecutorService> made = new ArrayList<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            if (e.getKey().startsWith(FACTORY_PREFIX)) {
                continue; // the socket factory's (PhaseRunner sets them), not the pool's
            }
            set(builder, e.getKey(), e.getValue(), made);
        }
        return made;
    }

    private static void set(MultiPool.Builder<?> builder, String key, String value, List<ExecutorService> made) {
        List<Method> setters = setters(key);
        if (setters.isEmpty()) {
            throw new IllegalArgumentException("--set " + key + ": no setter of MultiPool.Builder takes it (tried "
                    + candidateNames(key) + "); the setters: " + setterNames());
        }
        List<String> refused = new ArrayList<>();
        for (Method setter : setters) {
            Object argument;
            try {
                argument = convert(key, setter.getParameterTypes()[0], value, made);
            } catch (IllegalArgumentException e) {
                refused.add(setter.getName() + "(" + setter.getParameterTypes()[0].getSimpleName() + "): " + e.getMessage());
                continue;
            }
            try {
                if (!Modifier.isPublic(setter.getDeclaringClass().getModifiers())) {
                    setter.setAccessible(true); // a public method of a package-private superclass
                }
                setter.invoke(builder, argument);
                return;
            } catch (InvocationTargetException ex) {
                throw new IllegalArgumentException("--set " + key + "=" + value + ": " + ex.getCause(), ex.getCause());
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException(ex);
            }
        }
        throw new IllegalArgumentException("--set " + key + "=" + value + ": " + String.join("; ", refused));
    }

    /** The public one-parameter setters of the builder a key may mean, the likeliest first. */
    static List<Method> setters(String key) {
        List<Method> found = new ArrayList<>();
        for (String name : candidateNames(key)) {
            for (Method m : MultiPool.Builder.class.getMethods()) {
                if (m.getName().equals(name) && isSetter(m)) {
                    found.add(m);
                }
            }
            if (!found.isEmpty()) {
                return found;
            }
        }
        return found;
    }

    /**
     * A builder setter: one parameter, returns the builder, wherever it is declared (the builder may inherit its
     * setters from a package-private class).
     */
    private static boolean isSetter(Method m) {
        return m.getParameterCount() == 1 && m.getReturnType() == MultiPool.Builder.class;
    }

    static List<String> candidateNames(String key) {
        List<String> names = new ArrayList<>();
        String[] parts = key.strip().split("\\.");
        for (int first = 0; first < parts.length && (first == 0 || parts.length - first >= 2); first++) {
            StringBuilder name = new StringBuilder();
            for (int i = first; i < parts.length; i++) {
                for (String word : parts[i].split("-")) {
                    if (word.isEmpty()) {
                        continue;
                    }
                    name.append(name.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
                }
            }
            names.add(name.toString());
        }
        return names;
    }

    private static TreeSet<String> setterNames() {
        TreeSet<String> names = new TreeSet<>();
        for (Method m : MultiPool.Builder.class.getMethods()) {
            if (isSetter(m)) {
                names.add(m.getName());
            }
        }
        return names;
    }

    static Object convert(String key, Class<?> type, String value, List<ExecutorService> made) {
        try {
            if (type == int.class || type == Integer.class) {
                return Integer.parseInt(value);
            }
            if (type == long.class || type == Long.class) {
                return Long.parseLong(value);
            }
            if (type == double.class || type == Double.class) {
                return value.endsWith("%")
                        ? new BigDecimal(value.substring(0, value.length() - 1).strip()).movePointLeft(2).doubleValue()
                        : Double.parseDouble(value);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: '" + value + "'");
        }
        if (type == boolean.class || type == Boolean.class) {
            if (!value.equals("true") && !value.equals("false")) {
                throw new IllegalArgumentException("true or false, not '" + value + "'");
            }
            return Boolean.parseBoolean(value);
        }
        if (type == Duration.class) {
            return duration(key, value);
        }
        if (type == String.class) {
            return value;
        }
        if (type == Balancer.class) {
            return Balancer.named(value);
        }
        if (type.isEnum()) {
            String wanted = value.strip().replace('-', '_');
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equalsIgnoreCase(wanted)) {
                    return constant;
                }
            }
        }
        if (type == Executor.class || type == ExecutorService.class) {
            ExecutorService executor = executor(value);
            made.add(executor);
            return executor;
        }
        for (String name : FACTORY_METHODS) {
            try {
                Method factory = type.getMethod(name, String.class);
                if (Modifier.isStatic(factory.getModifiers()) && type.isAssignableFrom(factory.getReturnType())) {
                    return factory.invoke(null, value);
                }
            } catch (NoSuchMethodException e) {
                // try the next name
            } catch (InvocationTargetException e) {
                throw new IllegalArgumentException(type.getSimpleName() + "." + name + "(\"" + value + "\") failed: "
                        + e.getCause().getMessage());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalArgumentException("cannot make a " + type.getName() + " of '" + value + "'");
    }

    private static ExecutorService executor(String value) {
        switch (value) {
            case "virtual":
                try {
                    return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
                } catch (ReflectiveOperationException e) {
                    return cached(); // before Java 21
                }
            case "cached":
                return cached();
            default:
                throw new IllegalArgumentException("an executor is 'virtual' or 'cached', not '" + value + "'");
        }
    }

    private static ExecutorService cached() {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-bench-executor");
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code 250ms}, {@code 1.5s}, {@code 2m}, ... or ISO-8601 ({@code PT1S}); {@code what} names the culprit. */
    static Duration duration(String what, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(v);
        if (m.matches()) {
            BigDecimal amount = new BigDecimal(m.group(1));
            long nanosPerUnit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            return Duration.ofNanos(amount.multiply(BigDecimal.valueOf(nanosPerUnit)).longValueExact());
        }
        try {
            return Duration.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + ": not a duration: '" + value + "' (e.g. 250ms, 2s, PT1S)");
        }
    }

    /** A setting of {@code PoolSettings.toMap()} by its YAML key ({@code slow-start.window}); null when absent. */
    static Object setting(Map<String, Object> settings, String key) {
        Object at = settings;
        for (String part : key.split("\\.")) {
            if (!(at instanceof Map<?, ?> map)) {
                return null;
            }
            at = map.get(part);
        }
        return at;
    }
}
