package dev.connpool.zookeeper;

/**
 * ZooKeeper could not be reached or refused an operation of connpool's discovery.
 */
public class ZooKeeperDiscoveryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the path
     * @param cause   the cause
     */
    public ZooKeeperDiscoveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
