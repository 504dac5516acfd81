package dev.connpool;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A uniformly random candidate. */
final class RandomBalancer implements Balancer {

    static final RandomBalancer INSTANCE = new RandomBalancer();

    @Override
    public <S extends Candidate> S pick(List<S> candidates) {
        int n = candidates.size();
        return n == 1 ? candidates.get(0) : candidates.get(ThreadLocalRandom.current().nextInt(n));
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public String toString() {
        return name();
    }
}
