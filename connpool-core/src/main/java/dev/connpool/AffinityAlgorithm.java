package dev.connpool;

import java.util.Locale;

/**
 * How {@link MultiPool#serverFor(String)} places keys on servers ({@code affinity.algorithm}). Both move
 * only the keys of a server that leaves, or the keys a newcomer takes, when the servers change.
 */
public enum AffinityAlgorithm {

    /**
     * {@code rendezvous}, the default: rendezvous (highest random weight) hashing of 65,536 slots, kept in a
     * table. A pick is a hash and one table read (O(1)); each server gets an even share (its slots spread by
     * 0.55% of its share at 3 servers, 4% at 100, 12% at 1,000); adding or removing one of N servers moves 1/N
     * of the keys, only from the server that left or to the one that came. Its placement is connpool's own:
     * other clients do not share it.
     */
    RENDEZVOUS,

    /**
     * {@code ketama}: libketama's ring, as spymemcached's {@code KetamaNodeLocator} builds it (MD5, 160 points per
     * server). The same servers, named by their addresses, give every key the server those clients give it.
     * A pick is an MD5 and a binary search (O(log N), about 8 times rendezvous's cost); the shares are less even
     * (160 points per server spread a share by about 8%: the busiest of three servers gets 6-20% more than its
     * share, of ten 12-27%), and a server that leaves gives away exactly its own keys.
     */
    KETAMA;

    /**
     * Returns the algorithm's name as the {@code affinity.algorithm} key takes it.
     *
     * @return {@code rendezvous} or {@code ketama}
     */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns the algorithm of that name, case and surrounding blanks ignored.
     *
     * @param name {@code rendezvous} or {@code ketama}
     * @return the algorithm
     * @throws IllegalArgumentException for any other name; the message quotes it and lists the names
     */
    public static AffinityAlgorithm named(String name) {
        String key = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (AffinityAlgorithm algorithm : values()) {
            if (algorithm.key().equals(key)) {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unknown affinity algorithm '" + name + "'; the algorithms are rendezvous, ketama");
    }
}
