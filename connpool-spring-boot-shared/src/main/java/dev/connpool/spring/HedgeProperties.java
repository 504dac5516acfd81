package dev.connpool.spring;

/**
 * {@code hedge.*} under a pool or {@code connpool.defaults}: hedged execute (for idempotent work only: every
 * execute of the pool is hedged). A file of its own, nested into {@link PoolDefaultsProperties}; nullable,
 * {@code null} meaning "not set here".
 */
public class HedgeProperties {

    /**
     * When execute starts the same work on another server: off, a duration such as 20ms, or a percentile of
     * recent attempt latencies such as p95. Each hedge takes a token from the retry budget. Default off.
     */
    private String delay;

    /**
     * Bean name of the java.util.concurrent.Executor the attempts run on; unset: a thread per attempt, virtual
     * on Java 21 and later, daemon platform threads before.
     */
    private String executor;

    public String getDelay() {
        return delay;
    }

    public void setDelay(String delay) {
        this.delay = delay;
    }

    public String getExecutor() {
        return executor;
    }

    public void setExecutor(String executor) {
        this.executor = executor;
    }
}
