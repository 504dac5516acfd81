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
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int i = random.nextInt(n);
        int j = random.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        return better(candidates.get(i), candidates.get(j));
    }

    /** The better of two distinct candidates; {@code a} when they are equal. */
    abstract <S extends Candidate> S better(S a, S b);

    @Override
    public String toString() {
        return name();
    }
}
