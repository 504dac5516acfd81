package dev.connpool.spring;

import dev.connpool.MultiPool;
import dev.connpool.ServerSource;
import dev.connpool.ServerSourceState;
import dev.connpool.zookeeper.DiscoveryFormat;
import dev.connpool.zookeeper.InvalidDiscoverySettingException;
import dev.connpool.zookeeper.ZooKeeperServerSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Makes the ZooKeeper source of each pool that has one: a {@link ZooKeeperServerSource} on the
 * application's {@link CuratorFramework} bean or on a client of the pool's own (its {@code connect-string}),
 * which the source's {@code close()} closes too. Loaded only when Apache Curator and connpool-zookeeper are on
 * the class path.
 */
final class ZooKeeperPoolDiscovery implements PoolSourceFactory, BeanFactoryAware {

    private static final Logger log = LoggerFactory.getLogger(ZooKeeperPoolDiscovery.class);

    /** Curator's canonical policy for operations while the connection is lost: a 1 s base, 3 retries. */
    static final int RETRY_BASE_SLEEP_MILLIS = 1000;
    static final int RETRY_MAX_RETRIES = 3;

    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
    }

    @Override
    public String kind() {
        return ZooKeeperDiscoverySettings.KIND;
    }

    @Override
    public void check(SourceSettings sourceSettings) {
        ZooKeeperDiscoverySettings settings = (ZooKeeperDiscoverySettings) sourceSettings;
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
    public ServerSource create(MultiPool<?> pool, SourceSettings sourceSettings) {
        ZooKeeperDiscoverySettings settings = (ZooKeeperDiscoverySettings) sourceSettings;
        check(settings); // PoolCreator did already; cheap, and create may be called alone
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
        try {
            ZooKeeperServerSource.Builder builder = ZooKeeperServerSource.builder(client, pool)
                    .path(settings.path())
                    .format(format(settings))
                    .service(settings.service())
                    .useSslPort(settings.curator() && settings.tls()); // a TLS pool reaches an instance's sslPort
            if (settings.removalDelay() != null) {
                builder.removalDelay(settings.removalDelay());
            }
            ZooKeeperServerSource source;
            try {
                source = builder.build();
            } catch (InvalidDiscoverySettingException e) {
                throw refused(settings, e);
            }
            if (ownClient != null) {
                ownClient.start();
            }
            awaitConnection(client, settings);
            if (clientBean != null) { // the sources are closed before the client bean
                beanFactory.registerDependentBean(clientBean, PoolServerSources.BEAN_NAME);
            }
            return new OwnedSource(source, ownClient);
        } catch (RuntimeException | Error e) {
            PoolServerSources.closeQuietly(ownClient);
            throw e;
        }
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

    /**
     * A pool's ZooKeeper source with the client the starter runs for its connect-string ({@code null} when it
     * uses the application's), which {@link #close()} closes after the source.
     */
    record OwnedSource(ZooKeeperServerSource source, CuratorFramework ownClient) implements ServerSource {

        @Override
        public void start() {
            source.start();
        }

        @Override
        public ServerSourceState state() {
            return source.state();
        }

        @Override
        public void close() {
            PoolServerSources.closeQuietly(source);
            PoolServerSources.closeQuietly(ownClient);
        }
    }
}
