package dev.connpool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Power of two choices: of two distinct random candidates, the one with fewer leased connections. */
final class LeastActiveBalancer implements Balancer {

    static final LeastActiveBalancer INSTANCE = new LeastActiveBalancer();

    @Override
    public <S extends Candidate> S pick(List<S> candidates) {
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
        S a = candidates.get(i);
        S b = candidates.get(j);
        return b.activeConnections() < a.activeConnections() ? b : a;
    }

    @Override
    public String name() {
        return "least-active";
    }

    @Override
    public String toString() {
        return name();
    }
}
