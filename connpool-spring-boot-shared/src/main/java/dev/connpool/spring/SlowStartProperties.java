package dev.connpool.spring;

import java.time.Duration;

/**
 * {@code slow-start.*} under a pool or {@code connpool.defaults} (core's
 * {@code MultiPool.Builder.slowStartWindow}). A file of its own, nested into {@link PoolDefaultsProperties};
 * nullable, {@code null} meaning "not set here".
 */
public class SlowStartProperties {

    /**
     * How long a server that joins (not the configured ones at start-up) or is re-admitted after an ejection
     * takes to get its full share, from a tenth of it, whatever the balancer; its new connections are opened
     * at most max-active a second meanwhile (while another server could take the load); 0 for off. Default 10s.
     */
    private Duration window;

    public Duration getWindow() {
        return window;
    }

    public void setWindow(Duration window) {
        this.window = window;
    }
}
