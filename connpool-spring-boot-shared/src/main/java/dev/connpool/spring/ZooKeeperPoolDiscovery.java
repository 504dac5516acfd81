package dev.connpool.spring;

import dev.connpool.MultiPool;
import dev.connpool.ServerSourceState;
import dev.connpool.zookeeper.DiscoveryFormat;
import dev.connpool.zookeeper.InvalidDiscoverySettingException;
import dev.connpool.zookeeper.ZooKeeperServerSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanNameAware;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * The ZooKeeper discovery of every pool that has one: a {@link ZooKeeperServerSource} per pool, on the
 * application's {@link CuratorFramework} bean or on a client of the pool's own (its
 * {@code connect-string}). Loaded only when Apache Curator and connpool-zookeeper are on the class path.
 *
 * <p>Each pool it serves is registered as a bean it depends on, so that at shutdown it is destroyed (every
 * source closed, then every own client) before any of those pools, and before the CuratorFramework bean.
 */
final class ZooKeeperPoolDiscovery implements PoolDiscoveryStarter, PoolDiscoveryDetails, DisposableBean,
        BeanFactoryAware, BeanNameAware {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperPoolDiscovery.class);

    /** Curator's canonical policy for operations while the connection is lost: a 1 s base, 3 retries. */
    static final int RETRY_BASE_SLEEP_MILLIS = 1000;
    static final int RETRY_MAX_RETRIES = 3;

    private record Discovery(ZooKeeperServerSource source, CuratorFramework ownClient) {
    }

    private final Map<String, Discovery> discoveries = Collections.synchronizedMap(new LinkedHashMap<>());
    private ConfigurableListableBeanFactory beanFactory;
    private String beanName;
    private boolean closed;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public void setBeanName(String name) {
        this.beanName = name;
    }

    @Override
    public void check(ZooKeeperDiscoverySettings settings) {
        try {
            ZooKeeperServerSource.check(settings.path(), format(settings), settings.service(), settings.removalDelay());
        } catch (InvalidDiscoverySettingException e) {
            throw refused(settings, e);
        }
    }

    /** The library's word on a setting, as the property where it was set: from the exception's fields. */
    private static ConnpoolConfigurationException refused(ZooKeeperDiscoverySettings settings,
                                                          InvalidDiscoverySettingException e) {
        String property = settings.property(e.setting());
        return new ConnpoolConfigurationException(property, e.value(), e.reason(),
                "Update " + property + " in your configuration: its value " + e.reason() + ".", e);
    }

    private static DiscoveryFormat format(ZooKeeperDiscoverySettings settings) {
        return settings.curator() ? DiscoveryFormat.CURATOR : DiscoveryFormat.CHILDREN;
    }

    @Override
    public void start(MultiPool<?> pool, ZooKeeperDiscoverySettings settings) {
        check(settings); // PoolCreator did already; cheap, and start may be called alone
        String clientBean = null;
        CuratorFramework client;
        if (settings.connectString() != null) {
            client = CuratorFrameworkFactory.builder()
                    .connectString(settings.connectString())
                    .sessionTimeoutMs((int) settings.sessionTimeout().toMillis())
                    .connectionTimeoutMs((int) settings.connectionTimeout().toMillis())
                    .retryPolicy(new ExponentialBackoffRetry(RETRY_BASE_SLEEP_MILLIS, RETRY_MAX_RETRIES))
                    .build();
        } else {
            clientBean = curatorBean(settings);
            client = beanFactory.getBean(clientBean, CuratorFramework.class);
        }
        CuratorFramework ownClient = settings.connectString() != null ? client : null;
        ZooKeeperServerSource source = null;
        try {
            ZooKeeperServerSource.Builder builder = ZooKeeperServerSource.builder(client, pool)
                    .path(settings.path())
                    .format(format(settings))
                    .service(settings.service());
            if (settings.removalDelay() != null) {
                builder.removalDelay(settings.removalDelay());
            }
            try {
                source = builder.build();
            } catch (InvalidDiscoverySettingException e) {
                throw refused(settings, e);
            }
            if (ownClient != null) {
                ownClient.start();
            }
            awaitConnection(client, settings);
            source.start();
            synchronized (discoveries) {
                if (closed) {
                    throw new IllegalStateException("the application context is closing");
                }
                discoveries.put(settings.pool(), new Discovery(source, ownClient));
            }
        } catch (RuntimeException | Error e) {
            closeQuietly(source);
            closeQuietly(ownClient);
            throw e;
        }
        // Destroyed before the pool, and before the client bean: see the class comment.
        beanFactory.registerDependentBean(settings.pool(), beanName);
        if (clientBean != null) {
            beanFactory.registerDependentBean(clientBean, beanName);
        }
        ServerSourceState state = source.state();
        log.info("pool '{}' discovers its servers in ZooKeeper at {} ({}){}: {}", settings.pool(), state.target(),
                format(source.format()), ownClient != null ? " via " + settings.connectString() : "",
                state.synced() ? state.servers().size() + " server(s)" : "not read yet; the pool keeps "
                        + pool.servers().size() + " configured server(s) until it is");
    }

    /** Lets start-up find the servers: waits up to connection-timeout for a started client's first connection. */
    private static void awaitConnection(CuratorFramework client, ZooKeeperDiscoverySettings settings) {
        if (client.getState() != CuratorFrameworkState.STARTED) {
            log.warn("pool '{}': the CuratorFramework is {}, not started; the pool finds its servers in ZooKeeper "
                    + "once it is started", settings.pool(), client.getState());
            return;
        }
        try {
            if (!client.blockUntilConnected((int) settings.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("pool '{}': ZooKeeper not connected after {} ms ({}); the pool starts with its {} and "
                                + "finds its servers in ZooKeeper once connected", settings.pool(),
                        settings.connectionTimeout().toMillis(), settings.property("connection-timeout"),
                        "configured servers, if any,");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The CuratorFramework bean to use: the only one, or the primary one. */
    private String curatorBean(ZooKeeperDiscoverySettings settings) {
        String[] names = beanFactory.getBeanNamesForType(CuratorFramework.class);
        List<String> candidates = new ArrayList<>(List.of(names));
        if (candidates.size() > 1) {
            candidates.removeIf(name -> !beanFactory.containsBeanDefinition(name)
                    || !beanFactory.getMergedBeanDefinition(name).isPrimary());
        }
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        String property = settings.property("connect-string");
        if (names.length == 0) {
            throw new ConnpoolConfigurationException(property, null, "pool '" + settings.pool()
                    + "' has ZooKeeper discovery without a connect-string, and the application has no "
                    + "CuratorFramework bean to use instead",
                    "Set " + property + " to your ZooKeeper ensemble (such as zk1:2181,zk2:2181), or define a "
                            + "CuratorFramework bean.", null);
        }
        throw new ConnpoolConfigurationException(property, null, "pool '" + settings.pool()
                + "' has ZooKeeper discovery without a connect-string, and the application has "
                + names.length + " CuratorFramework beans " + List.of(names) + ", none of them primary",
                "Mark one of them @Primary, or set " + property + " to give the pool a client of its own.", null);
    }

    @Override
    public Map<String, Object> details(String pool) {
        Discovery discovery = discoveries.get(pool);
        if (discovery == null) {
            return new LinkedHashMap<>();
        }
        ServerSourceState state = discovery.source().state();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("path", state.target());
        details.put("format", format(discovery.source().format()));
        details.put("connected", state.connected());
        details.put("synced", state.synced());
        if (state.lastUpdate() != null) {
            details.put("lastUpdate", state.lastUpdate().toString());
        }
        details.put("nodeCount", state.servers().size() + state.skipped().size()); // each node is one or the other
        if (!state.skipped().isEmpty()) {
            details.put("skipped", state.skipped().stream().sorted().toList());
        }
        if (!state.removing().isEmpty()) {
            details.put("removing", state.removing().stream().map(Object::toString).sorted().toList());
        }
        if (state.lastError() != null) {
            details.put("lastError", state.lastError());
        }
        return details;
    }

    /** The client the starter runs for the pool's connect-string; null when it uses the application's. */
    CuratorFramework ownClient(String pool) {
        Discovery discovery = discoveries.get(pool);
        return discovery == null ? null : discovery.ownClient();
    }

    private static String format(DiscoveryFormat format) {
        return format.name().toLowerCase(Locale.ROOT);
    }

    /** Closes every source, then every client of the starter's own; the pools stay open (their beans close them). */
    @Override
    public void destroy() {
        List<Discovery> all;
        synchronized (discoveries) {
            closed = true;
            all = new ArrayList<>(discoveries.values());
            discoveries.clear();
        }
        all.forEach(d -> closeQuietly(d.source()));
        all.forEach(d -> closeQuietly(d.ownClient()));
    }

    private static void closeQuietly(AutoCloseable closeable) {
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
