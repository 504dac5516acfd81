package dev.connpool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices: two distinct random candidates, and the better of the two by the subclass's measure
 * ({@link LeastActiveBalancer}: fewer leased connections; {@link LeastLatencyBalancer}: lower latency x load).
 */
abstract class TwoChoicesBalancer implements Balancer {

    @Override
    public final <S extends Candidate> S pick(List<S> candidates) {
        int n = candidates.size();
        if (n == 1) {
            return candidates.get(0);
        }
        long bits = ThreadLocalRandom.current().nextLong(); // one draw for both: 32 random bits each
        int i = below(bits >>> 32, n);
        int j = below(bits & 0xFFFF_FFFFL, n - 1);
        if (j >= i) {
            j++;
        }
        return better(candidates.get(i), candidates.get(j));
    }

    /**
     * {@code bits} (32 random bits) scaled to {@code [0, bound)} by a multiply and a shift (Lemire's reduction)
     * rather than {@code nextInt(bound)}'s remainder, an integer division (two of them were a tenth of the CPU
     * of a {@code borrow()} + {@code close()}, see docs/benchmarks.md).
     * Each value's chance stays within 2^-32 of {@code 1 / bound}.
     */
    static int below(long bits, int bound) {
        return (int) ((bits * bound) >>> 32);
    }

    /** The better of two distinct candidates; {@code a} when they are equal. */
    abstract <S extends Candidate> S better(S a, S b);

    @Override
    public String toString() {
        return name();
    }
}
