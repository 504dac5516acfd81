package dev.connpool;

import java.util.List;

/**
 * One immutable placement of keys on a pool's servers ({@code affinity.algorithm}): which server owns a key,
 * and in which order the others follow it (the key's fallbacks: where it goes when its owner may not take
 * it). Made off the hot path by {@link AffinityRouter} when the membership changes, then only read, by any
 * number of threads at once.
 *
 * <p>A key is first hashed ({@link #hash(String)}), then placed ({@link #owner(long)}, {@link #walk(long)}):
 * a caller that needs the key several times (a retry) hashes it once.
 */
interface HashRing {

    /**
     * Returns the ring's servers; the indexes {@link #owner} and {@link Walk#next} return point into it.
     *
     * @return the servers in the order they joined
     */
    List<ServerEntry> servers();

    /**
     * Hashes a text key (as its UTF-8 bytes).
     *
     * @param key the key
     * @return its hash, for {@link #owner} and {@link #walk}
     */
    long hash(String key);

    /**
     * Hashes a binary key.
     *
     * @param key the key
     * @return its hash, for {@link #owner} and {@link #walk}
     */
    long hash(byte[] key);

    /**
     * Returns the index of the server that owns a key; O(log N) or better, no allocation.
     *
     * @param hash the key's hash
     * @return an index into {@link #servers()}; the ring has at least one server
     */
    int owner(long hash);

    /**
     * Starts a walk over the servers in the key's order: its owner first, then the next server on the ring,
     * and so on, each server once.
     *
     * @param hash the key's hash
     * @return a new walk
     */
    Walk walk(long hash);

    /** A key's servers in order: its owner, then its fallbacks; not thread-safe (one per pick). */
    interface Walk {

        /**
         * Returns the next server in the key's order.
         *
         * @return its index into {@link #servers()}, or -1 when every server was returned
         */
        int next();
    }

    /**
     * The servers a walk returned so far, as a bit set over their indexes.
     */
    final class Seen {
        private final long[] bits;

        Seen(int servers) {
            this.bits = new long[(servers + 63) >>> 6];
        }

        /** Marks a server as returned; tells whether it was not yet. */
        boolean add(int index) {
            long mask = 1L << index;
            int word = index >>> 6;
            if ((bits[word] & mask) != 0) {
                return false;
            }
            bits[word] |= mask;
            return true;
        }

        boolean contains(int index) {
            return (bits[index >>> 6] & 1L << index) != 0;
        }
    }
}
