package dev.connpool.spring.endpoint;

import dev.connpool.MultiPool;
import dev.connpool.NoServerAvailableException;
import dev.connpool.PoolSettings;
import dev.connpool.PoolStats;
import dev.connpool.ServerAddress;
import dev.connpool.ServerState;
import dev.connpool.ServerStats;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.PoolDiscoveryDetails;
import dev.connpool.spring.ServerView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code connpools} actuator endpoint: every pool of the {@link MultiPoolRegistry} with its effective
 * settings and per-server counts, and an operator's {@code eject}, {@code readmit} or {@code drain} of one
 * server. Settings are keyed as in YAML ({@code max-active}, {@code retry.backoff.min} nested as
 * {@code retry: {backoff: {min: ...}}}); durations are written the way they are configured: {@code "1s"},
 * {@code "5m"}, {@code "10ms"}, {@code "0s"}. A pool that finds its servers through a source (ZooKeeper, DNS, Spring Cloud) shows its
 * {@code discovery} too (as in its health details).
 *
 * <p>Read-only unless the application says otherwise: {@code eject}, {@code readmit} and {@code drain} need
 * {@code management.endpoint.connpools.access=unrestricted}, since a drain removes a server for good and
 * must not be one exposure line away from whoever reaches the management port.
 *
 * <p>Thread-safe and stateless: every operation reads the pools anew.
 */
@Endpoint(id = "connpools", defaultAccess = Access.READ_ONLY)
public class ConnpoolsEndpoint {

    private final MultiPoolRegistry registry;
    private final @Nullable PoolDiscoveryDetails discovery;

    /**
     * Creates the endpoint.
     *
     * @param registry the pools to show and act on
     */
    public ConnpoolsEndpoint(MultiPoolRegistry registry) {
        this(registry, null);
    }

    /**
     * Creates the endpoint, showing the server source of the pools that have one.
     *
     * @param registry  the pools to show and act on
     * @param discovery what the pools' discovery knows, or {@code null} for none
     */
    public ConnpoolsEndpoint(MultiPoolRegistry registry, @Nullable PoolDiscoveryDetails discovery) {
        this.registry = registry;
        this.discovery = discovery;
    }

    /**
     * Describes every pool.
     *
     * @return the pools by name, sorted by name
     */
    @ReadOperation
    public PoolsDescriptor pools() {
        Map<String, PoolDescriptor> pools = new TreeMap<>();
        for (MultiPool<?> pool : registry) {
            pools.put(pool.name(), describe(pool));
        }
        return new PoolsDescriptor(pools);
    }

    /**
     * Describes one pool.
     *
     * @param pool the pool's name
     * @return the pool, or {@code null} when there is no pool of that name
     */
    @ReadOperation
    public @Nullable PoolDescriptor pool(@Selector String pool) {
        MultiPool<?> found = find(pool);
        return found == null ? null : describe(found);
    }

    /**
     * Ejects, re-admits or drains one server of a pool.
     *
     * @param pool   the pool's name
     * @param server the server, as {@code host:port} or {@code [ipv6]:port}
     * @param action {@code eject}, {@code readmit} or {@code drain} (case-insensitive)
     * @return what happened, or {@code null} when there is no such pool, or no such server in it
     * @throws InvalidEndpointRequestException when the action is not one of the three, or the server is not
     *                                         a valid address; the message names the bad value
     * @throws dev.connpool.PoolClosedException  when the pool has been closed (the application is stopping)
     */
    @WriteOperation
    public @Nullable ServerActionDescriptor serverAction(@Selector String pool, @Selector String server,
                                                         String action) {
        ServerAction serverAction = ServerAction.parse(action);
        ServerAddress address = parseServer(server);
        MultiPool<?> found = find(pool);
        if (found == null || found.stats().server(address) == null) {
            return null;
        }
        boolean done;
        try {
            done = switch (serverAction) {
                case EJECT -> found.eject(address);
                case READMIT -> found.readmit(address);
                case DRAIN -> found.removeServer(address);
            };
        } catch (NoServerAvailableException e) {
            return null; // removed (and drained) between the check and the action
        }
        ServerStats after = found.stats().server(address);
        return new ServerActionDescriptor(found.name(), address.toString(), serverAction.key(), done,
                after == null ? null : after.state());
    }

    /** Why {@link #serverAction} found nothing: which of pool and server is missing, and what there is. */
    String whatIsMissing(String pool, String server) {
        MultiPool<?> found = find(pool);
        if (found == null) {
            return noSuchPool(pool);
        }
        return "pool '" + pool + "' has no server " + parseServer(server) + "; its servers are "
                + found.servers().stream().map(ServerAddress::toString).sorted().toList();
    }

    /** Why {@link #pool} found nothing: the pool's name and the pools there are. */
    String noSuchPool(String pool) {
        return "no pool named '" + pool + "'; the pools are " + new TreeSet<>(registry.names());
    }

    private @Nullable MultiPool<?> find(String name) {
        return registry.names().contains(name) ? registry.get(name) : null;
    }

    private static ServerAddress parseServer(String server) {
        try {
            return ServerAddress.parse(server);
        } catch (IllegalArgumentException e) {
            throw new InvalidEndpointRequestException(e.getMessage(), e.getMessage(), e);
        }
    }

    private PoolDescriptor describe(MultiPool<?> pool) {
        PoolStats stats = pool.stats();
        List<ServerView> servers = new ArrayList<>(stats.servers().size());
        for (ServerStats s : stats.servers()) {
            servers.add(ServerView.of(s));
        }
        Map<String, Object> discovered = discovery == null ? Map.of() : discovery.details(pool.name());
        return new PoolDescriptor(pool.name(), settings(pool.settings()), stats.active(), stats.idle(),
                stats.waiting(), stats.usableServers(), servers, discovered.isEmpty() ? null : discovered);
    }

    /** The settings keyed as in YAML, nested where YAML nests them (core's {@link PoolSettings#toMap()}). */
    static Map<String, Object> settings(PoolSettings s) {
        return texts(s.toMap());
    }

    /** The map with every duration, nested ones included, written as it is configured. */
    private static Map<String, Object> texts(Map<String, Object> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            if (value instanceof Duration d) {
                copy.put(key, text(d));
            } else if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> inner = (Map<String, Object>) nested;
                copy.put(key, texts(inner));
            } else {
                copy.put(key, value);
            }
        });
        return copy;
    }

    /**
     * A duration in the largest unit that states it exactly, as Spring Boot reads it back: {@code 1s},
     * {@code 5m}, {@code 1500ms}, {@code 0s}.
     */
    static String text(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException e) {
            return duration.toSeconds() + "s"; // beyond ~292 years: whole seconds are exact enough
        }
        String[] units = {"d", "h", "m", "s", "ms", "us"};
        long[] sizes = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        for (int i = 0; i < units.length; i++) {
            if (nanos % sizes[i] == 0) {
                return nanos / sizes[i] + units[i];
            }
        }
        return nanos + "ns";
    }

    /** What {@code action} may be. */
    enum ServerAction {
        EJECT, READMIT, DRAIN;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        static ServerAction parse(String action) {
            String key = action == null ? "" : action.strip().toLowerCase(Locale.ROOT);
            for (ServerAction a : values()) {
                if (a.key().equals(key)) {
                    return a;
                }
            }
            String message = "unknown action '" + action + "'; use eject, readmit or drain";
            throw new InvalidEndpointRequestException(message, message);
        }
    }

    /**
     * Every pool.
     *
     * @param pools the pools by name
     */
    public record PoolsDescriptor(Map<String, PoolDescriptor> pools) implements OperationResponseBody {
    }

    /**
     * One pool: its effective settings, its totals and its servers.
     *
     * @param name          the pool's name
     * @param settings      the effective settings, keyed and nested as in YAML
     * @param active        connections lent out, over all servers
     * @param idle          idle connections, over all servers
     * @param waiting       borrowers waiting, over all servers
     * @param usableServers servers that are {@linkplain ServerStats#usable() usable}: their state accepts
     *                      borrows and they are not failing
     * @param servers       every server, draining ones included, in the order they joined (as health shows them)
     * @param discovery     the pool's server source, as in its health details; {@code null} without one
     */
    public record PoolDescriptor(String name, Map<String, Object> settings, int active, int idle, int waiting,
                                 int usableServers, List<ServerView> servers,
                                 @Nullable Map<String, Object> discovery) implements OperationResponseBody {
    }

    /**
     * What an action on a server did.
     *
     * @param pool   the pool's name
     * @param server the server, {@code host:port}
     * @param action {@code eject}, {@code readmit} or {@code drain}
     * @param done   whether it changed anything: false when the server was not usable (eject), not
     *               ejected (readmit) or draining already (drain), or when ejecting it would leave the pool
     *               without a usable server
     * @param state  the server's state afterwards, {@code null} once it has left the pool (a drained
     *               server with no leased connection leaves at once)
     */
    public record ServerActionDescriptor(String pool, String server, String action, boolean done,
                                         @Nullable ServerState state) implements OperationResponseBody {
    }
}
