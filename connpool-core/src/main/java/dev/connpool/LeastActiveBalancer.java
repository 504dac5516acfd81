package dev.connpool;

/** Power of two choices: of two distinct random candidates, the one with fewer leased connections. */
final class LeastActiveBalancer extends TwoChoicesBalancer {

    static final LeastActiveBalancer INSTANCE = new LeastActiveBalancer();

    @Override
    <S extends Candidate> S better(S a, S b) {
        return b.activeConnections() < a.activeConnections() ? b : a;
    }

    @Override
    public String name() {
        return "least-active";
    }
}
