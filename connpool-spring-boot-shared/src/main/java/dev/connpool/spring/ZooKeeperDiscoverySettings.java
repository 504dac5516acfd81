package dev.connpool.spring;

import java.time.Duration;

/**
 * One pool's {@code discovery.zookeeper.*}, checked by {@link PoolCreator} (what is required with what) and
 * by connpool-zookeeper itself through {@link ZooKeeperPoolDiscovery#check} (ZooKeeper's path rules, the
 * removal delay). Holds no Curator type, so that it can be read (and refused) without Curator on the class
 * path.
 *
 * @param pool              the pool's name (its bean's name too)
 * @param connectString     the ensemble of the pool's own Curator client, or {@code null} to use the
 *                          application's {@code CuratorFramework} bean
 * @param path              the watched path (children) or x-discovery base path (curator)
 * @param curator           whether the format is {@code curator} (else {@code children})
 * @param service           the service name (curator format), else {@code null}
 * @param sessionTimeout    the own client's session timeout
 * @param connectionTimeout the own client's connection timeout, and how long start-up waits for the first
 *                          connection
 * @param removalDelay      how long a server gone from ZooKeeper stays in the pool, or {@code null} for
 *                          connpool-zookeeper's default (60 s)
 * @param tls               whether the pool speaks TLS ({@code socket.ssl-bundle}): a curator-format instance
 *                          is then reached at its {@code sslPort}
 */
record ZooKeeperDiscoverySettings(String pool, String connectString, String path, boolean curator, String service,
                                  Duration sessionTimeout, Duration connectionTimeout, Duration removalDelay,
                                  boolean tls) implements SourceSettings {

    static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(15);

    static final String KIND = "zookeeper";

    @Override
    public String kind() {
        return KIND;
    }
}
