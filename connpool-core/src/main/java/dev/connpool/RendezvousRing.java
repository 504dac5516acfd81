package dev.connpool;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code affinity.algorithm: rendezvous}, the default: rendezvous (highest random weight) hashing of 65,536
 * slots, looked up in a table. A key's slot is the top 16 bits of its {@linkplain KeyHash#murmur64 64-bit
 * hash}; each server has a weight in each slot, {@code mix(seed + slot x golden ratio)} (its seed: the hash of
 * its {@code host:port}); the slot, and so every key in it, belongs to the server of the highest weight, the
 * runner-up is its first fallback, and so on. Ceph places its placement groups on disks the same way
 * (straw2), and for the same reasons:
 * <ul>
 *   <li><b>Minimal moves.</b> A slot changes owner only when its owner leaves (its keys go to the
 *       runner-up, each slot's its own, so they spread evenly over the others) or when a newcomer outbids its
 *       owner: adding or removing one of N servers moves 1/N of the keys, all of them from the server that
 *       left or to the one that came.</li>
 *   <li><b>Even shares.</b> Each server owns a binomial share of the slots: about 1/N with a standard deviation
 *       of {@code sqrt((N - 1) / 65,536)} of its share, 0.55% at 3 servers, 4% at 100, 12% at 1,000; ketama's
 *       160 points give about 8% at any N (the busiest of three servers gets 6-20% more than its share).</li>
 *   <li><b>O(1) picks.</b> The owner is one table read after the key's hash, whatever the number of servers;
 *       a fallback costs O(N) (every server's weight in the slot), paid only when the owner may not take the
 *       key.</li>
 * </ul>
 * The table (128 KB) is made once in O(65,536 x N) (about 0.1 s at 1,000 servers), then patched when the
 * servers change, in O(65,536 x (added + 2)): a slot whose owner stayed is only compared with the newcomers.
 */
final class RendezvousRing implements HashRing {

    /** The number of slots: a power of two, so that a slot is the top bits of a key's hash. */
    static final int SLOTS = 1 << 16;
    private static final int SLOT_SHIFT = 64 - 16;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;
    /** A slot's owner is a {@code char}. */
    static final int MAX_SERVERS = Character.MAX_VALUE;

    private final List<ServerEntry> servers;
    private final long[] seeds;
    /** Each slot's owner, an index into {@link #servers}. */
    private final char[] owners;

    /**
     * Places the slots on {@code servers}, patching {@code previous} (null: from scratch).
     *
     * @throws IllegalArgumentException with more than 65,535 servers
     */
    RendezvousRing(List<ServerEntry> servers, RendezvousRing previous) {
        if (servers.size() > MAX_SERVERS) {
            throw new IllegalArgumentException("key affinity places keys on at most " + MAX_SERVERS
                    + " servers; the pool has " + servers.size());
        }
        this.servers = List.copyOf(servers);
        int n = servers.size();
        this.seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = seedOf(servers.get(i).address);
        }
        this.owners = new char[SLOTS];
        if (n == 0) {
            return;
        }
        if (previous == null || previous.servers.isEmpty()) {
            long[] best = new long[SLOTS];
            outbid(best, 0, n, false);
        } else {
            patch(previous);
        }
    }

    /** A server's seed: the hash of its {@code host:port}. */
    static long seedOf(ServerAddress server) {
        return KeyHash.murmur64(server.toString());
    }

    /** A server's weight in a slot. */
    static long weight(long seed, int slot) {
        return KeyHash.mix(seed + slot * GOLDEN);
    }

    /**
     * Gives each slot to the servers {@code from} to {@code to} (exclusive) that outbid its owner; with
     * {@code owned} the owners in {@link #owners} have their weights in {@code best}, else the slots have none.
     */
    private void outbid(long[] best, int from, int to, boolean owned) {
        for (int server = from; server < to; server++) {
            long seed = seeds[server];
            boolean first = !owned && server == from;
            for (int slot = 0; slot < SLOTS; slot++) {
                long w = weight(seed, slot);
                if (first || beats(w, seed, best[slot], seeds[owners[slot]])) {
                    best[slot] = w;
                    owners[slot] = (char) server;
                }
            }
        }
    }

    /** Whether weight {@code w} of seed {@code seed} beats {@code other} of {@code otherSeed} (ties: the lower seed). */
    private static boolean beats(long w, long seed, long other, long otherSeed) {
        return w > other || w == other && seed < otherSeed;
    }

    /** Patches the previous ring's table: a slot whose owner left goes to its best remaining bidder. */
    private void patch(RendezvousRing previous) {
        Map<ServerAddress, Integer> index = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            index.put(servers.get(i).address, i);
        }
        int[] now = new int[previous.servers.size()];
        boolean[] known = new boolean[servers.size()];
        for (int i = 0; i < now.length; i++) {
            Integer at = index.get(previous.servers.get(i).address);
            now[i] = at == null ? -1 : at;
            if (at != null) {
                known[at] = true;
            }
        }
        long[] best = new long[SLOTS];
        for (int slot = 0; slot < SLOTS; slot++) {
            int owner = now[previous.owners[slot]];
            if (owner < 0) {
                owner = bestOf(slot, null);
            }
            owners[slot] = (char) owner;
            best[slot] = weight(seeds[owner], slot);
        }
        for (int server = 0; server < servers.size(); server++) {
            if (!known[server]) {
                outbid(best, server, server + 1, true);
            }
        }
    }

    /** The server of the highest weight in {@code slot} not in {@code seen} (null: none), or -1. */
    private int bestOf(int slot, Seen seen) {
        int best = -1;
        long bestWeight = 0;
        for (int server = 0; server < seeds.length; server++) {
            if (seen != null && seen.contains(server)) {
                continue;
            }
            long w = weight(seeds[server], slot);
            if (best < 0 || beats(w, seeds[server], bestWeight, seeds[best])) {
                best = server;
                bestWeight = w;
            }
        }
        return best;
    }

    static int slotOf(long hash) {
        return (int) (hash >>> SLOT_SHIFT);
    }

    @Override
    public List<ServerEntry> servers() {
        return servers;
    }

    @Override
    public long hash(String key) {
        return KeyHash.murmur64(key);
    }

    @Override
    public long hash(byte[] key) {
        return KeyHash.murmur64(key);
    }

    @Override
    public int owner(long hash) {
        return owners[slotOf(hash)];
    }

    @Override
    public Walk walk(long hash) {
        int slot = slotOf(hash);
        Seen seen = new Seen(servers.size());
        return new Walk() {
            private int returned;

            @Override
            public int next() {
                if (returned == servers.size()) {
                    return -1;
                }
                int server = returned == 0 ? owners[slot] : bestOf(slot, seen);
                seen.add(server);
                returned++;
                return server;
            }
        };
    }

    /** How many slots each server owns, by index; for tests. */
    int[] slotCounts() {
        int[] counts = new int[servers.size()];
        for (char owner : owners) {
            counts[owner]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return "RendezvousRing" + Arrays.toString(slotCounts());
    }
}
