package dev.connpool.spring;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import dev.connpool.ServerSource;
import dev.connpool.ServerSourceState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanNameAware;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * The running {@link ServerSource} of every pool that has one, whatever its kind: started here, shown here
 * ({@link PoolDiscoveryDetails}: the same details for every kind, from {@link ServerSource#state()}), closed
 * here when the context closes.
 *
 * <p>Each pool with a source is registered as a bean this one depends on, so that at shutdown every source is
 * closed before any of those pools (and before a client bean a source uses, which its factory registers the
 * same way).
 */
final class PoolServerSources implements PoolDiscoveryDetails, DisposableBean, BeanFactoryAware, BeanNameAware {

    /** This bean's name, for factories that make it depend on a client bean. */
    static final String BEAN_NAME = "connpoolServerSources";

    private static final Logger log = LoggerFactory.getLogger(PoolServerSources.class);

    private final Map<String, ServerSource> sources = Collections.synchronizedMap(new LinkedHashMap<>());
    private ConfigurableListableBeanFactory beanFactory;
    private String beanName = BEAN_NAME;
    private boolean closed;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public void setBeanName(String name) {
        this.beanName = name;
    }

    /**
     * Starts a pool's source and keeps it until the context closes. On failure the source is closed (the pool
     * is not: its creator closes it).
     *
     * @param pool   the pool
     * @param source its source, not started
     */
    void start(MultiPool<?> pool, ServerSource source) {
        try {
            source.start();
            synchronized (sources) {
                if (closed) {
                    throw new IllegalStateException("the application context is closing");
                }
                sources.put(pool.name(), source);
            }
        } catch (RuntimeException | Error e) {
            closeQuietly(source);
            throw e;
        }
        if (beanFactory != null) {
            beanFactory.registerDependentBean(pool.name(), beanName);
        }
        ServerSourceState state = source.state();
        log.info("pool '{}' finds its servers through {} {}: {}", pool.name(), state.kind(), state.target(),
                state.synced() ? state.servers().size() + " server(s)" : "not read yet; the pool keeps "
                        + pool.servers().size() + " configured server(s) until it is");
    }

    /** The pool's running source, or {@code null}. */
    ServerSource source(String pool) {
        return sources.get(pool);
    }

    @Override
    public Map<String, Object> details(String pool) {
        ServerSource source = sources.get(pool);
        return source == null ? new LinkedHashMap<>() : details(source.state());
    }

    /** The details of a state, the same keys for every kind of source. */
    static Map<String, Object> details(ServerSourceState state) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", state.kind());
        details.put("target", state.target());
        details.put("connected", state.connected());
        details.put("synced", state.synced());
        if (state.lastUpdate() != null) {
            details.put("lastUpdate", state.lastUpdate().toString());
        }
        details.put("listed", texts(state.servers()));
        if (!state.removing().isEmpty()) {
            details.put("removing", texts(state.removing()));
        }
        if (!state.skipped().isEmpty()) {
            details.put("skipped", state.skipped().stream().sorted().toList());
        }
        if (state.lastError() != null) {
            details.put("lastError", state.lastError());
        }
        return details;
    }

    private static List<String> texts(java.util.Set<ServerAddress> servers) {
        return servers.stream().map(ServerAddress::toString).sorted().toList();
    }

    /** Closes every source; the pools stay open (their beans close them). */
    @Override
    public void destroy() {
        List<ServerSource> all;
        synchronized (sources) {
            closed = true;
            all = new ArrayList<>(sources.values());
            sources.clear();
        }
        all.forEach(PoolServerSources::closeQuietly);
    }

    static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("could not close {}", closeable, e);
        }
    }
}
