package dev.connpool.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * {@code socket.*} under a pool or {@code connpool.defaults}: the built-in TCP factory (core's
 * {@code SocketConnectionFactory.Builder}), used when no factory bean is named. A file of its own, nested into
 * {@link PoolDefaultsProperties}; nullable, {@code null} meaning "not set here".
 */
public class SocketProperties {

    /** How long a connect (and a TLS handshake) may take. Default 1s. */
    private Duration connectTimeout;

    /** How long a read may block; 0 for no limit. Default 10s. */
    private Duration readTimeout;

    /** Whether to set TCP_NODELAY. Default true. */
    private Boolean tcpNoDelay;

    /** Whether to set SO_KEEPALIVE. Default true. */
    private Boolean keepAlive;

    /** Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) for TLS; unset: plain TCP. */
    private String sslBundle;

    /** The round trip that proves a server answers (re-admission trials, health probes). */
    @NestedConfigurationProperty
    private SocketProbeProperties probe = new SocketProbeProperties();

    public SocketProbeProperties getProbe() {
        return probe;
    }

    public void setProbe(SocketProbeProperties probe) {
        this.probe = probe;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(Duration readTimeout) {
        this.readTimeout = readTimeout;
    }

    public Boolean getTcpNoDelay() {
        return tcpNoDelay;
    }

    public void setTcpNoDelay(Boolean tcpNoDelay) {
        this.tcpNoDelay = tcpNoDelay;
    }

    public Boolean getKeepAlive() {
        return keepAlive;
    }

    public void setKeepAlive(Boolean keepAlive) {
        this.keepAlive = keepAlive;
    }

    public String getSslBundle() {
        return sslBundle;
    }

    public void setSslBundle(String sslBundle) {
        this.sslBundle = sslBundle;
    }
}
