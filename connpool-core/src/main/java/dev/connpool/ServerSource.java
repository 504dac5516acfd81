package dev.connpool;

/**
 * Something that keeps a {@link MultiPool}'s servers equal to what a registry says: ZooKeeper, DNS, Spring
 * Cloud's {@code DiscoveryClient}, or one of your own.
 *
 * <p>A source gives the pool its <em>full</em> server set ({@link MultiPool#updateServers}) each time it has
 * a complete answer. Every source follows the same safety rules: a server missing from an answer is drained
 * only after it has been missing for the source's removal delay (an answer that lists it again cancels
 * that); a source that cannot get an answer (the registry is down, a resolution fails) keeps the last list
 * and says so in {@link #state()}; it never drains the pool because the registry went away.
 *
 * <p>A source does not own the pool: {@link #close()} stops following the registry and leaves the pool
 * open. The Spring Boot starter starts and closes the sources it makes, and shows their
 * {@link #state()} in {@code /actuator/health} and the {@code connpools} endpoint.
 */
public interface ServerSource extends AutoCloseable {

    /**
     * Starts following the registry. Does not block on the registry: the first answer may come later.
     *
     * @throws IllegalStateException when the source was started or closed already
     */
    void start();

    /**
     * What the source knows now, for health checks and operators.
     *
     * @return a snapshot, never null
     */
    ServerSourceState state();

    /**
     * Stops following the registry; the pool keeps the servers it has. Idempotent.
     */
    @Override
    void close();
}
