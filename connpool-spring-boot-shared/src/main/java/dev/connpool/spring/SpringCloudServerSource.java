package dev.connpool.spring;

import dev.connpool.MultiPool;
import dev.connpool.PoolClosedException;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSource;
import dev.connpool.ServerSourceState;
import dev.connpool.ServerSourceSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * A pool's servers from the application's Spring Cloud {@link DiscoveryClient}: the instances of one service
 * id, read on an interval and whenever {@link #refresh()} is called (on Spring Cloud's heartbeat events), on
 * {@link ServerSourceSupport}, so the removal delay and the outage rules are every source's.
 *
 * <p>What is a server, instance by instance:
 * <ul>
 *   <li>An instance whose metadata has {@code instance_status} (Spring Cloud Zookeeper writes it; any
 *       registry may) other than {@code UP} is left out and drained at once, without the removal delay
 *       ({@link ServerSourceSupport#answered(java.util.Collection, java.util.Collection, java.util.Collection)}):
 *       a status is an operator's or the instance's own decision, not a registry hiccup. Registries that keep the status elsewhere filter
 *       themselves (Eureka's client lists UP instances only by default, Consul's asks for passing ones,
 *       Kubernetes' lists ready endpoints).</li>
 *   <li>Its address is {@code getHost():getPort()}, the port Spring Cloud itself uses: the secure one when the
 *       instance is {@code isSecure()} (Spring Cloud Zookeeper's {@code sslPort}, Eureka's secure port). A
 *       pool that speaks TLS ({@code socket.ssl-bundle}) leaves out instances that are not secure, a
 *       plain-text pool those that are; a pool with a factory bean of its own takes every instance.</li>
 * </ul>
 *
 * <p>An answer with no instance at all is not taken as the truth: Eureka and Consul clients answer an empty
 * list while they cannot reach their registry, and Spring Cloud Zookeeper while the service's node is missing.
 * The pool keeps its last list, and the state says why. A client that throws is the registry unreachable:
 * the pool keeps its last list too.
 *
 * <p>Thread-safe: reads run one at a time on the source's own daemon thread.
 */
final class SpringCloudServerSource implements ServerSource {

    private static final Logger log = LoggerFactory.getLogger(SpringCloudServerSource.class);

    /** The key of an instance's status in its metadata (Spring Cloud Zookeeper's {@code StatusConstants}). */
    static final String STATUS_KEY = "instance_status";
    /** How long {@link #start()} waits for the first answer, so a pool starts with the registry's servers. */
    static final Duration FIRST_ANSWER_WAIT = Duration.ofSeconds(5);

    private final MultiPool<?> pool;
    private final DiscoveryClient client;
    private final String serviceId;
    private final Duration refreshInterval;
    private final Boolean tls;
    private final ServerSourceSupport support;
    /** Names the source in logs: the pool, the kind and the service id. */
    private final String label;
    private final ScheduledThreadPoolExecutor thread;
    /** A read is queued and has not begun: later requests fold into it. */
    private final AtomicBoolean readQueued = new AtomicBoolean();
    /** The entries the last answer left out, each logged once while it stays left out (source's thread). */
    private Set<String> lastSkipped = Set.of();

    /**
     * @param pool            the pool whose servers it keeps
     * @param client          the application's DiscoveryClient
     * @param settings        the pool's checked settings
     */
    SpringCloudServerSource(MultiPool<?> pool, DiscoveryClient client, SpringCloudDiscoverySettings settings) {
        this.pool = pool;
        this.client = client;
        this.serviceId = settings.serviceId();
        this.refreshInterval = settings.refreshInterval();
        this.tls = settings.tls();
        this.support = ServerSourceSupport.builder(pool, SpringCloudDiscoverySettings.KIND, serviceId)
                .removalDelay(settings.removalDelay()).build();
        this.label = "pool '" + pool.name() + "', " + SpringCloudDiscoverySettings.KIND + " " + serviceId;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "connpool-" + pool.name() + "-spring-cloud");
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Starts reading: the first read now (waited for up to {@link #FIRST_ANSWER_WAIT}), then on the interval. */
    @Override
    public void start() {
        support.start();
        Future<?> first = thread.submit(this::readSafely);
        long interval = refreshInterval.toNanos();
        thread.scheduleWithFixedDelay(this::readSafely, interval, interval, TimeUnit.NANOSECONDS);
        try {
            first.get(FIRST_ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{}: no answer from the DiscoveryClient within {} ms; the pool starts with its {} configured "
                    + "server(s)", label, FIRST_ANSWER_WAIT.toMillis(), pool.servers().size());
        } catch (ExecutionException e) {
            log.warn("{}: the first read failed", label, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads the DiscoveryClient again soon (a heartbeat event); requests made before that read begins fold into it. */
    void refresh() {
        if (support.closed() || !readQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                readQueued.set(false);
                readSafely();
            });
        } catch (RejectedExecutionException closing) {
            readQueued.set(false);
        }
    }

    /** {@link #read()}, its unexpected failure kept from ending the periodic reads. */
    private void readSafely() {
        try {
            read();
        } catch (RuntimeException e) {
            log.warn("{}: a read of the DiscoveryClient failed; the pool keeps its servers", label, e);
            support.failed("a read failed: " + e);
        }
    }

    /** One read of the DiscoveryClient, applied to the pool. Runs on the source's thread only. */
    private void read() {
        if (support.closed()) {
            return;
        }
        List<ServiceInstance> instances;
        try {
            instances = client.getInstances(serviceId);
        } catch (RuntimeException e) {
            support.unreachable("DiscoveryClient.getInstances(\"" + serviceId + "\") failed: " + e);
            return;
        }
        if (instances == null || instances.isEmpty()) {
            support.unreachable("the DiscoveryClient lists no instance of '" + serviceId + "' (its registry may "
                    + "be unreachable)");
            return;
        }
        Answer answer = Answer.of(instances, tls);
        for (String skipped : answer.skipped()) {
            if (!lastSkipped.contains(skipped)) {
                log.info("{}: left out {}", label, skipped); // once, while it stays left out
            }
        }
        lastSkipped = Set.copyOf(answer.skipped());
        try {
            Optional<Duration> nextRemoval = support.answered(answer.servers(), answer.notServing(),
                    answer.skipped());
            nextRemoval.ifPresent(due -> schedule(due.plusMillis(1)));
        } catch (PoolClosedException e) {
            close();
        }
    }

    private void schedule(Duration delay) {
        try {
            thread.schedule(this::readSafely, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile
        }
    }

    @Override
    public ServerSourceState state() {
        return support.state();
    }

    /** Stops reading; the pool keeps its servers. Idempotent. */
    @Override
    public void close() {
        support.close();
        thread.shutdownNow();
    }

    @Override
    public String toString() {
        return "SpringCloudServerSource[" + label + "]";
    }

    /**
     * One answer of the DiscoveryClient, sorted out.
     *
     * @param servers    the instances that are servers of the pool
     * @param notServing servers listed with a status other than UP: drained at once
     * @param skipped    every instance left out, with why
     */
    record Answer(Set<ServerAddress> servers, Set<ServerAddress> notServing, List<String> skipped) {

        static Answer of(List<ServiceInstance> instances, Boolean tls) {
            Set<ServerAddress> servers = new LinkedHashSet<>();
            Set<ServerAddress> notServing = new LinkedHashSet<>();
            List<String> skipped = new ArrayList<>();
            for (ServiceInstance instance : instances) {
                String name = instance.getHost() + ":" + instance.getPort();
                ServerAddress address;
                try {
                    address = ServerAddress.of(instance.getHost(), instance.getPort());
                } catch (RuntimeException e) {
                    skipped.add(name + ": " + e.getMessage());
                    continue;
                }
                String status = status(instance);
                if (status != null && !status.equalsIgnoreCase("UP")) {
                    notServing.add(address);
                    skipped.add(name + ": " + STATUS_KEY + " is " + status);
                } else if (Boolean.TRUE.equals(tls) && !instance.isSecure()) {
                    skipped.add(name + ": not secure, and the pool speaks TLS (socket.ssl-bundle)");
                } else if (Boolean.FALSE.equals(tls) && instance.isSecure()) {
                    skipped.add(name + ": secure, and the pool speaks plain text (no socket.ssl-bundle)");
                } else {
                    servers.add(address);
                }
            }
            return new Answer(servers, notServing, skipped);
        }

        private static String status(ServiceInstance instance) {
            Map<String, String> metadata = instance.getMetadata();
            String status = metadata == null ? null : metadata.get(STATUS_KEY);
            return status == null || status.isBlank() ? null : status.strip().toUpperCase(Locale.ROOT);
        }
    }
}
