package dev.connpool.benchmarks;

import dev.connpool.Balancer;
import dev.connpool.ConnectionFactory;
import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.PoolSettings;
import dev.connpool.ServerAddress;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.StrictConnPool;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The heap a pool itself holds for its idle connections, the connections excluded: 1000 servers x 8 idle
 * connections by default. For each pool: heap used after a full GC before the pool exists, after it is built
 * (servers known, no connection), and after 8 connections of every server were borrowed and returned. The
 * connection objects are made before the first reading and handed to the pool by its factory, so they are in
 * every reading and cancel out.
 *
 * <p>{@code java -XX:+UseSerialGC -cp connpool-benchmarks/target/benchmarks.jar
 * dev.connpool.benchmarks.MemoryFootprint [all|multipool|commons-pool2|httpcore5-strict [servers [perServer]]]}
 * (the suite runs {@code all 1000 8}): each pool is measured in a JVM of its own, started with this JVM's
 * options, after one unmeasured round on 10 servers. Prints one line per pool, tab-separated: pool, servers,
 * connections, bytes per server (built, no connection), bytes per connection (warm minus built), bytes per
 * idle connection (warm minus before, all in).
 */
public final class MemoryFootprint {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    /** What one pool measured. */
    record Result(String pool, int servers, int connections, long before, long built, long warm) {

        double perServer() {
            return (built - before) / (double) servers;
        }

        double perConnection() {
            return (warm - built) / (double) connections;
        }

        double perIdleConnectionAllIn() {
            return (warm - before) / (double) connections;
        }

        String line() {
            return String.format(Locale.ROOT, "%s\t%d\t%d\t%.0f\t%.0f\t%.0f", pool, servers, connections,
                    perServer(), perConnection(), perIdleConnectionAllIn());
        }
    }

    private MemoryFootprint() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        int servers = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int perServer = args.length > 2 ? Integer.parseInt(args[2]) : Fixtures.PER_SERVER;
        if (which.equals("all")) {
            System.out.println("pool\tservers\tconnections\tB/server\tB/connection\tB/idle connection (all in)");
            for (String pool : POOLS) {
                forked(pool, servers, perServer);
            }
            return;
        }
        if (!POOLS.contains(which)) {
            throw new IllegalArgumentException("usage: MemoryFootprint [all|" + String.join("|", POOLS)
                    + " [servers [perServer]]]");
        }
        // Once unmeasured on a few servers, so that classes are loaded and the first allocations done.
        measure(which, Math.min(servers, 10), perServer);
        Thread.sleep(200); // the small pool's housekeeper thread ends
        System.out.println(measure(which, servers, perServer).line());
    }

    static final List<String> POOLS = List.of("multipool", "commons-pool2", "httpcore5-strict");

    private static Result measure(String pool, int servers, int perServer) throws Exception {
        switch (pool) {
            case "multipool":
                return multiPool(servers, perServer);
            case "commons-pool2":
                return rawCommonsPool2(servers, perServer);
            case "httpcore5-strict":
                return httpCore5Strict(servers, perServer);
            default:
                throw new IllegalArgumentException(pool);
        }
    }

    /** Measures one pool in a JVM of its own, with this JVM's options; copies its line to stdout. */
    private static void forked(String pool, int servers, int perServer) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryFootprint.class.getName(),
                pool, String.valueOf(servers), String.valueOf(perServer)));
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("MemoryFootprint " + pool + " failed: exit " + process.exitValue());
        }
    }

    /** Heap used after full collections, once two readings in a row agree (or after 10 tries). */
    static long usedAfterGc() throws InterruptedException {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(50);
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (used == last) {
                return used;
            }
            last = used;
        }
        return last;
    }

    /** Hands out connections made in advance, in turn. */
    static final class Premade implements ConnectionFactory<Object> {
        final Object[] connections;
        int next;

        Premade(int count) {
            connections = new Object[count];
            for (int i = 0; i < count; i++) {
                connections[i] = new Object();
            }
        }

        @Override
        public synchronized Object create(ServerAddress server) {
            return connections[next++];
        }

        @Override
        public boolean validate(ServerAddress server, Object connection) {
            return true;
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
        }
    }

    static Result multiPool(int servers, int perServer) throws Exception {
        ServerAddress[] addresses = Fixtures.servers(servers);
        Premade factory = new Premade(servers * perServer);
        long before = usedAfterGc();
        MultiPool<Object> pool = Fixtures.multiPool(factory, addresses, Balancer.leastActive());
        long built = usedAfterGc();
        List<Lease<Object>> leases = new ArrayList<>(perServer);
        for (ServerAddress server : addresses) {
            for (int i = 0; i < perServer; i++) {
                leases.add(pool.borrow(server));
            }
            leases.forEach(Lease::close);
            leases.clear();
        }
        long warm = usedAfterGc();
        check(pool.stats().idle(), servers * perServer, "MultiPool");
        pool.close();
        Reference.reachabilityFence(factory);
        return new Result("MultiPool", servers, servers * perServer, before, built, warm);
    }

    static Result rawCommonsPool2(int servers, int perServer) throws Exception {
        ServerAddress[] addresses = Fixtures.servers(servers);
        Premade premade = new Premade(servers * perServer);
        // connpool's settings, read from a MultiPool of one server (the list of servers is no part of them here)
        MultiPool<Object> settingsOnly = Fixtures.multiPool(new Fixtures.ObjectFactory(), Fixtures.servers(1),
                Balancer.leastActive());
        PoolSettings settings = settingsOnly.settings();
        settingsOnly.close();
        Thread.sleep(200); // its housekeeper thread ends
        long before = usedAfterGc();
        GenericKeyedObjectPool<ServerAddress, Object> pool =
                Fixtures.rawAdapterSettings(settings, new Fixtures.RawFactory(() -> premade.create(null)));
        long built = usedAfterGc();
        List<Object> taken = new ArrayList<>(perServer);
        for (ServerAddress server : addresses) {
            for (int i = 0; i < perServer; i++) {
                taken.add(pool.borrowObject(server));
            }
            for (Object o : taken) {
                pool.returnObject(server, o);
            }
            taken.clear();
        }
        long warm = usedAfterGc();
        check(pool.getNumIdle(), servers * perServer, "commons-pool2");
        pool.close();
        Reference.reachabilityFence(premade);
        Reference.reachabilityFence(settings);
        return new Result("commons-pool2 GenericKeyedObjectPool (connpool's settings)", servers, servers * perServer,
                before, built, warm);
    }

    static Result httpCore5Strict(int servers, int perServer) throws Exception {
        ServerAddress[] addresses = Fixtures.servers(servers);
        PeerStates.HcConnection[] connections = new PeerStates.HcConnection[servers * perServer];
        for (int i = 0; i < connections.length; i++) {
            connections[i] = new PeerStates.HcConnection();
        }
        long before = usedAfterGc();
        StrictConnPool<ServerAddress, PeerStates.HcConnection> pool = new StrictConnPool<>(perServer,
                servers * perServer, TimeValue.NEG_ONE_MILLISECOND, PoolReusePolicy.LIFO, null);
        long built = usedAfterGc();
        Timeout timeout = Timeout.ofSeconds(5);
        List<PoolEntry<ServerAddress, PeerStates.HcConnection>> leased = new ArrayList<>(perServer);
        int n = 0;
        for (ServerAddress server : addresses) {
            for (int i = 0; i < perServer; i++) {
                PoolEntry<ServerAddress, PeerStates.HcConnection> entry = pool.lease(server, null, timeout, null).get();
                entry.assignConnection(connections[n++]);
                leased.add(entry);
            }
            leased.forEach(e -> pool.release(e, true));
            leased.clear();
        }
        long warm = usedAfterGc();
        check(pool.getTotalStats().getAvailable(), servers * perServer, "StrictConnPool");
        pool.close(CloseMode.IMMEDIATE);
        Reference.reachabilityFence(connections);
        return new Result("HttpCore5 StrictConnPool", servers, servers * perServer, before, built, warm);
    }

    private static void check(int idle, int expected, String pool) {
        if (idle != expected) {
            throw new IllegalStateException(pool + ": " + idle + " idle, expected " + expected);
        }
    }
}
