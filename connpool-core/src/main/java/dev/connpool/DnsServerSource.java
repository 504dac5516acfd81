package dev.connpool;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link MultiPool}'s servers equal to the addresses of a DNS name: every A and AAAA record is a
 * server, at one port. This is how a Kubernetes headless Service is followed (one name, a record per ready
 * pod: {@code orders.prod.svc.cluster.local}), or any name with several addresses.
 *
 * <pre>{@code
 * DnsServerSource source = DnsServerSource.builder(pool, "orders.prod.svc.cluster.local")
 *         .port(9090).refreshInterval(Duration.ofSeconds(5)).build();
 * source.start();   // resolves once, then every 5 s
 * }</pre>
 *
 * <p><b>When it resolves.</b> Once at {@link #start()} (which waits up to 10 s for that answer), then every
 * {@link Builder#refreshInterval refresh interval} on a daemon thread ({@code connpool-<pool>-dns}), and
 * early when a server of the pool is ejected (its connects or calls fail: a pod gone is often seen there
 * first), at most once a second. Not only on failures: gRPC re-resolves only then, and misses scale-ups.
 *
 * <p><b>The JVM's DNS cache comes first.</b> With the default {@link DnsResolver#system() resolver},
 * {@link java.net.InetAddress} caches each answer for {@code networkaddress.cache.ttl} seconds (30 s when
 * neither it nor the system property {@code sun.net.inetaddr.ttl} is set, and there is no security
 * manager), and a failed lookup for {@code networkaddress.cache.negative.ttl} (10 s): a refresh interval
 * shorter than that sees the same answer again. To follow a name within the interval, set
 * {@code networkaddress.cache.ttl} at most that (a security property: in
 * {@code $JAVA_HOME/conf/security/java.security}, or {@code java.security.Security.setProperty} before the
 * first lookup; or {@code -Dsun.net.inetaddr.ttl=5}); the DNS records' own TTLs are not used by the JDK.
 *
 * <p><b>Safety</b> (core's {@link ServerSourceSupport}, shared by every source): an address new in an answer
 * is added at once; an address missing from the answers is drained only once it has been missing for the
 * {@link Builder#removalDelay removal delay}, and an answer listing it again cancels that. When the answers
 * are samples of a larger record set (they differ from one resolution to the next: DNS servers that answer
 * 8 random records of 50), an address must also be missing from enough answers in a row that a sample
 * would have shown it (80 answers for 8 of 50), so that such answers churn no connection. A resolution that
 * fails (an unknown name, a resolver that does not answer) keeps the last list, logged once per outage and
 * shown in {@link #state()}. <b>An empty answer</b> (the name exists with no address) is taken the same way:
 * a headless Service scaled to zero and a broken DNS look alike from here, and emptying the pool on the
 * latter would fail every call; a pool that must follow a scale to zero drains its servers itself.
 *
 * <p>Thread-safe. The source does not own the pool: {@link #close()} stops resolving and leaves the pool
 * with its servers. If the pool is closed under it, the source stops by itself.
 */
public final class DnsServerSource implements ServerSource {

    /** The default {@link Builder#refreshInterval refresh interval}, 5 s (as Envoy's DNS clusters). */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(DnsServerSource.class);
    private static final long FIRST_ANSWER_WAIT_MILLIS = 10_000;
    private static final long CLOSE_WAIT_MILLIS = 1_000;

    private final MultiPool<?> pool;
    private final String name;
    private final int port;
    private final Duration refreshInterval;
    private final ServerSourceSupport support;
    private final DnsRefresher refresher;

    private DnsServerSource(Builder builder) {
        this.pool = builder.pool;
        String poolName = pool.name();
        if (builder.name == null || builder.name.isBlank()) {
            throw new InvalidSettingException(poolName, "discovery.dns.name", builder.name,
                    "is required: the DNS name whose addresses are the servers");
        }
        if (builder.port < 1 || builder.port > 65_535) {
            throw new InvalidSettingException(poolName, "discovery.dns.port", builder.port,
                    "must be between 1 and 65535 (the port every address of the name serves on)");
        }
        if (builder.refreshInterval == null || builder.refreshInterval.isNegative()
                || builder.refreshInterval.isZero()) {
            throw new InvalidSettingException(poolName, "discovery.dns.refresh-interval", builder.refreshInterval,
                    "must be positive");
        }
        this.name = builder.name.strip();
        this.port = builder.port;
        this.refreshInterval = builder.refreshInterval;
        Duration removalDelay = ServerSourceSupport.checkRemovalDelay(poolName, "discovery.dns.removal-delay",
                builder.removalDelay);
        this.support = ServerSourceSupport.builder(pool, "dns", name + ":" + port).removalDelay(removalDelay)
                .clock(builder.clock).build();
        this.refresher = new DnsRefresher(poolName, name, port, refreshInterval, builder.resolver, support,
                builder.clock);
    }

    /**
     * Starts a builder.
     *
     * @param pool the pool whose servers the source keeps
     * @param name the DNS name whose addresses are the servers
     * @return a builder; {@link Builder#port} is required
     */
    public static Builder builder(MultiPool<?> pool, String name) {
        return new Builder(pool, name);
    }

    /**
     * Starts resolving: resolves once and waits up to 10 s for it (the pool has the name's servers when this
     * returns, unless the resolution failed: then it keeps the servers it has), then on the interval.
     *
     * @throws IllegalStateException when started twice or after close
     */
    @Override
    public void start() {
        support.start();
        pool.addListener(new PoolListener() {
            @Override
            public void serverEjected(String poolName, ServerAddress server, Duration duration, Throwable cause) {
                refresher.early();
            }
        });
        Future<?> first;
        try {
            first = refresher.resolveSoon();
        } catch (RejectedExecutionException closed) {
            return;
        }
        try {
            first.get(FIRST_ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{}: the first resolution did not finish within {} ms; it goes on in the background",
                    support.label(), FIRST_ANSWER_WAIT_MILLIS);
        } catch (ExecutionException e) {
            log.warn("{}: the first resolution failed", support.label(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns what the source knows now: kind {@code dns}, the target {@code name:port}.
     *
     * @return a snapshot
     */
    @Override
    public ServerSourceState state() {
        return support.state();
    }

    /**
     * Stops resolving; the pool keeps its servers (those whose removal was pending too). Idempotent.
     */
    @Override
    public void close() {
        if (!support.close()) {
            return;
        }
        refresher.shutdown(CLOSE_WAIT_MILLIS);
        log.info("{}: stopped resolving; the pool keeps its servers", support.label());
    }

    /** Resolves now and waits for the answer to be applied: what the interval does, for tests. */
    void resolveNow() throws Exception {
        refresher.resolveSoon().get(FIRST_ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "DnsServerSource[" + support.label() + ", every " + refreshInterval + "]";
    }

    /**
     * Settings of a {@link DnsServerSource}; each refused by {@link #build()} with an
     * {@link InvalidSettingException} whose setting is the YAML key under {@code connpool.pools.<name>}
     * ({@code discovery.dns.port}, ...).
     */
    public static final class Builder {

        private final MultiPool<?> pool;
        private final String name;
        private int port;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private Duration removalDelay = ServerSourceSupport.DEFAULT_REMOVAL_DELAY;
        private DnsResolver resolver = DnsResolver.system();
        private ServerSourceSupport.Clock clock = ServerSourceSupport.Clock.SYSTEM;

        private Builder(MultiPool<?> pool, String name) {
            this.pool = Objects.requireNonNull(pool, "pool");
            this.name = name;
        }

        /**
         * The port every address of the name serves on. Required.
         *
         * @param port 1 to 65535
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * How often the name is resolved; {@link #DEFAULT_REFRESH_INTERVAL} by default. The JVM's DNS cache
         * may answer from memory meanwhile (see the class comment).
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder refreshInterval(Duration interval) {
            this.refreshInterval = interval;
            return this;
        }

        /**
         * How long an address missing from the answers stays in the pool before it is drained;
         * {@link ServerSourceSupport#DEFAULT_REMOVAL_DELAY} by default, as for every source.
         *
         * @param delay zero or a positive duration
         * @return this builder
         */
        public Builder removalDelay(Duration delay) {
            this.removalDelay = delay;
            return this;
        }

        /**
         * Who resolves the name; {@link DnsResolver#system()} by default.
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder resolver(DnsResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** The clocks of the removal delay and of the early resolutions; tests move one by hand. */
        Builder clock(ServerSourceSupport.Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates the settings and builds the source (not started).
         *
         * @return the source
         * @throws InvalidSettingException naming the first bad setting ({@code discovery.dns.name},
         *                                 {@code discovery.dns.port}, {@code discovery.dns.refresh-interval},
         *                                 {@code discovery.dns.removal-delay})
         */
        public DnsServerSource build() {
            return new DnsServerSource(this);
        }
    }
}
