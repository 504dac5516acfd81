package dev.connpool;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Each candidate in turn; one shared counter. */
final class RoundRobinBalancer implements Balancer {

    private final AtomicInteger next = new AtomicInteger();

    @Override
    public <S extends Candidate> S pick(List<S> candidates) {
        int n = candidates.size();
        return n == 1 ? candidates.get(0) : candidates.get(Math.floorMod(next.getAndIncrement(), n));
    }

    @Override
    public String name() {
        return "round-robin";
    }

    @Override
    public String toString() {
        return name();
    }
}
