package dev.connpool;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * {@code affinity.algorithm: ketama}: the ring of libketama (last.fm) and of spymemcached's
 * {@code KetamaNodeLocator} with {@code KETAMA_HASH}, so that connpool and those clients send a key to the
 * same server for the same server list.
 *
 * <p><b>The ring.</b> Each server has 160 points: for {@code i} from 0 to 39, the MD5 digest of
 * {@code "<name>-<i>"} (UTF-8) gives four points, its bytes 0-3, 4-7, 8-11 and 12-15 each read as a
 * little-endian unsigned 32-bit number. A key's hash is the first of those numbers for the MD5 of the key;
 * its owner is the server of the first point at or after it, wrapping past the last point to the first.
 * When two servers put a point on the same number (about one ring in thirty at 100 servers), the server
 * later in the list keeps it, as in spymemcached (whose ring is a {@code TreeMap} filled in list order); the
 * list is the pool's servers in the order they joined.
 *
 * <p><b>A server's name</b> ({@link #nameOf}) is spymemcached's: the text of its socket address without the
 * leading {@code /}. For an IPv4 address that is {@code 10.0.0.1:11211}, libketama's {@code host:port} as well;
 * for an IPv6 literal Java's form, {@code [0:0:0:0:0:0:0:1]:11211}. For a host name spymemcached writes
 * {@code host/10.0.0.1:11211}, the name with the address it resolved to when the client started; connpool
 * resolves no names (it would tie the ring to DNS answers), so a server given by name is named
 * {@code host:port}, as libketama names it. To share a ring with spymemcached, give both the servers' addresses.
 *
 * <p>A key's fallbacks ({@link #walk}) are the servers of the next points clockwise, each once: where the key
 * would go if its owner left the ring. A pick is a binary search over {@code 160 x N} points: O(log N).
 */
final class KetamaRing implements HashRing {

    /** Points per server: 40 MD5 digests of 4 points each. */
    static final int POINTS_PER_SERVER = 160;
    private static final int DIGESTS = POINTS_PER_SERVER / 4;
    private static final long SIGN = 0x80000000L;

    private final List<ServerEntry> servers;
    /** The points in ascending order, each with its sign bit flipped, so that int order is unsigned order. */
    private final int[] points;
    /** The index of each point's server. */
    private final int[] owners;

    KetamaRing(List<ServerEntry> servers) {
        this.servers = List.copyOf(servers);
        int n = servers.size();
        long[] placed = new long[n * POINTS_PER_SERVER]; // point (sign flipped) << 32 | the order it was placed in
        int count = 0;
        for (int s = 0; s < n; s++) {
            String name = nameOf(servers.get(s).address);
            for (int i = 0; i < DIGESTS; i++) {
                byte[] digest = KeyHash.md5(name + "-" + i);
                for (int h = 0; h < 4; h++) {
                    placed[count] = (littleEndian(digest, h * 4) ^ SIGN) << 32 | count;
                    count++;
                }
            }
        }
        Arrays.sort(placed); // by point, then by the order placed
        int distinct = 0;
        int[] sortedPoints = new int[count];
        int[] sortedOwners = new int[count];
        for (int i = 0; i < count; i++) {
            int point = (int) (placed[i] >> 32);
            int owner = (int) placed[i] / POINTS_PER_SERVER;
            if (distinct > 0 && sortedPoints[distinct - 1] == point) {
                sortedOwners[distinct - 1] = owner; // placed later: it wins, as a TreeMap.put would
            } else {
                sortedPoints[distinct] = point;
                sortedOwners[distinct] = owner;
                distinct++;
            }
        }
        this.points = Arrays.copyOf(sortedPoints, distinct);
        this.owners = Arrays.copyOf(sortedOwners, distinct);
    }

    /**
     * The name a server's points are made from: spymemcached's for an address (see the class comment), else
     * {@code host:port}.
     */
    static String nameOf(ServerAddress server) {
        String host = server.host();
        if (host.indexOf(':') >= 0) { // an IPv6 literal: parsed, never looked up
            try {
                String text = new InetSocketAddress(InetAddress.getByName(host), server.port()).toString();
                return text.startsWith("/") ? text.substring(1) : text;
            } catch (UnknownHostException e) {
                return server.toString();
            }
        }
        return host + ":" + server.port();
    }

    private static long littleEndian(byte[] digest, int at) {
        return (digest[at + 3] & 0xffL) << 24 | (digest[at + 2] & 0xffL) << 16 | (digest[at + 1] & 0xffL) << 8
                | (digest[at] & 0xffL);
    }

    @Override
    public List<ServerEntry> servers() {
        return servers;
    }

    @Override
    public long hash(String key) {
        return KeyHash.ketama(key);
    }

    @Override
    public long hash(byte[] key) {
        return KeyHash.ketama(key);
    }

    @Override
    public int owner(long hash) {
        return owners[position(hash)];
    }

    /** The first point at or after the hash, wrapping to the first point. */
    private int position(long hash) {
        int key = (int) (hash ^ SIGN);
        int at = Arrays.binarySearch(points, key);
        if (at < 0) {
            at = -at - 1;
        }
        return at == points.length ? 0 : at;
    }

    @Override
    public Walk walk(long hash) {
        return new KetamaWalk(position(hash));
    }

    /** The number of points on the ring (160 per server, less the ones two servers share). */
    int size() {
        return points.length;
    }

    /** Clockwise from the key's point, the server of each point not returned yet. */
    private final class KetamaWalk implements Walk {
        private final Seen seen = new Seen(servers.size());
        private int position;
        private int visited;
        private int returned;

        KetamaWalk(int start) {
            this.position = start;
        }

        @Override
        public int next() {
            while (returned < servers.size() && visited < points.length) {
                int owner = owners[position];
                position = position + 1 == points.length ? 0 : position + 1;
                visited++;
                if (seen.add(owner)) {
                    returned++;
                    return owner;
                }
            }
            return -1;
        }
    }
}
