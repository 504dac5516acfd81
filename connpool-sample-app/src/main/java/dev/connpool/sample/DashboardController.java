package dev.connpool.sample;

import dev.connpool.MultiPool;
import dev.connpool.PoolStats;
import dev.connpool.ServerAddress;
import dev.connpool.spring.MultiPoolRegistry;
import dev.connpool.spring.PoolDiscoveryDetails;
import dev.connpool.spring.ServerView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the dashboard page ({@code /}) reads and drives: {@code GET /api/dashboard} (every pool and server,
 * the embedded backends, the load generator and five minutes of history), and the load generator,
 * {@code POST /api/load?clients=N&pause=ms}, {@code GET /api/load}, {@code DELETE /api/load}.
 */
@RestController
@RequestMapping("/api")
public class DashboardController {

    private final MultiPoolRegistry pools;
    private final DashboardSampler sampler;
    private final LoadGenerator load;
    private final ObjectProvider<EmbeddedBackends> embedded;
    private final ObjectProvider<ZooKeeperBackends> zooKeeper;
    private final ObjectProvider<PoolDiscoveryDetails> discovery;

    public DashboardController(MultiPoolRegistry pools, DashboardSampler sampler, LoadGenerator load,
                               ObjectProvider<EmbeddedBackends> embedded, ObjectProvider<ZooKeeperBackends> zooKeeper,
                               ObjectProvider<PoolDiscoveryDetails> discovery) {
        this.pools = pools;
        this.sampler = sampler;
        this.load = load;
        this.embedded = embedded;
        this.zooKeeper = zooKeeper;
        this.discovery = discovery;
    }

    /**
     * Everything the page shows.
     *
     * @param time                 when this was taken
     * @param sampleIntervalMillis how far apart the history's samples are
     * @param historyCapacity      how many samples a pool's history keeps at most
     * @param pools                every pool
     * @param backends             the embedded backends (empty when the app uses configured servers)
     * @param load                 the load generator
     */
    public record Dashboard(Instant time, long sampleIntervalMillis, int historyCapacity, List<Pool> pools,
                            List<ApiController.Backend> backends, LoadGenerator.Status load) {
    }

    /**
     * One pool.
     *
     * @param name          its name
     * @param maxActive     connections allowed per server
     * @param usableServers its {@linkplain dev.connpool.ServerStats#usable() usable} servers (state accepts
     *                      borrows, not failing): the count health reports
     * @param servers       its servers, in the order they were added, as health and the connpools endpoint
     *                      show them
     * @param history       its samples, oldest first
     * @param discovery     where it finds its servers in ZooKeeper (as in its health details); {@code null} when
     *                      its servers are configured
     */
    public record Pool(String name, int maxActive, int usableServers, List<ServerView> servers,
                       List<DashboardSampler.Sample> history, Map<String, Object> discovery) {
    }

    @GetMapping("/dashboard")
    public Dashboard dashboard() {
        Instant now = Instant.now();
        List<Pool> list = new ArrayList<>();
        PoolDiscoveryDetails details = discovery.getIfAvailable();
        for (String name : pools.names().stream().sorted().toList()) {
            MultiPool<?> pool = pools.get(name);
            PoolStats stats = pool.stats();
            List<ServerView> servers = stats.servers().stream().map(ServerView::of).toList();
            Map<String, Object> discovered = details == null ? Map.of() : details.details(name);
            list.add(new Pool(name, pool.settings().limits().maxActive(), stats.usableServers(), servers,
                    sampler.history(name), discovered.isEmpty() ? null : discovered));
        }
        return new Dashboard(now, DashboardSampler.INTERVAL.toMillis(), DashboardSampler.CAPACITY, list,
                backends(embedded.getIfAvailable(), pools.get("backend"), zooKeeper.getIfAvailable()), load.status());
    }

    @GetMapping("/load")
    public LoadGenerator.Status loadStatus() {
        return load.status();
    }

    @PostMapping("/load")
    public LoadGenerator.Status startLoad(@RequestParam(name = "clients", defaultValue = "4") int clients,
                                          @RequestParam(name = "pause", defaultValue = "5") long pauseMillis) {
        return load.start(clients, pauseMillis);
    }

    @DeleteMapping("/load")
    public LoadGenerator.Status stopLoad() {
        return load.stop();
    }

    /** The embedded backends as {@code GET /api/backends} lists them, with whether {@code pool} has each. */
    static List<ApiController.Backend> backends(EmbeddedBackends backends, MultiPool<?> pool, ZooKeeperBackends zooKeeper) {
        if (backends == null) {
            return List.of();
        }
        List<LineServer> servers = backends.servers();
        Set<ServerAddress> pooled = pool.servers();
        return IntStream.range(0, servers.size()).mapToObj(i -> {
            LineServer s = servers.get(i);
            return new ApiController.Backend(i, s.name(), s.address(), s.isRunning(), s.isHanging(),
                    s.openConnections(), pooled.contains(ServerAddress.parse(s.address())),
                    zooKeeper == null ? null : zooKeeper.isRegistered(i));
        }).toList();
    }
}
