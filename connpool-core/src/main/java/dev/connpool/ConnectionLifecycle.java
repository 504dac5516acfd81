package dev.connpool;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Birth, checks and death of connections: opens one (in a slot {@link Slots} gave), validates it, tells
 * when one has expired, and destroys each exactly once, giving its slot back. Every call of the user's
 * {@link ConnectionFactory} and of a listener's connection events is made here, and whatever such a call
 * throws, an {@link Error} included, gives back what it held: the slot, the open connection.
 *
 * <p><b>Expiry</b>, in one place: a connection has expired when it is older than its max-lifetime
 * (shortened by up to 2.5% at random, so that connections made together do not expire together); it has
 * been idle too long when a maintenance run first saw it parked more than idle-timeout ago.
 */
final class ConnectionLifecycle<C> {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLifecycle.class);

    private final String pool;
    private final PoolErrors errors;
    private final PoolSettings settings;
    private final ConnectionFactory<C> factory;
    private final ServerMembers members;
    private final Listeners listeners;
    private final NanoClock clock;
    private final Slots slots;
    private final KeyedPoolAdapter<C> books;
    /** Told when a slot is given back (room for a waiter). */
    private final Consumer<ServerEntry> roomFreed;
    private final long lifetimeNanos;
    private final long idleTimeoutNanos;
    private volatile boolean closed;

    ConnectionLifecycle(PoolSettings settings, PoolErrors errors, ConnectionFactory<C> factory, ServerMembers members,
                        Listeners listeners, NanoClock clock, Slots slots, Consumer<ServerEntry> roomFreed) {
        this.pool = errors.pool(); // for log messages
        this.errors = errors;
        this.settings = settings;
        this.factory = factory;
        this.members = members;
        this.listeners = listeners;
        this.clock = clock;
        this.slots = slots;
        this.roomFreed = roomFreed;
        this.lifetimeNanos = settings.lifetime().maxLifetime().toNanos();
        this.idleTimeoutNanos = settings.lifetime().idleTimeout().toNanos();
        this.books = new KeyedPoolAdapter<>(errors, this::make);
    }

    /**
     * Opens a connection of the server in a slot the caller took (given back here when the connect fails),
     * validated when validate-on-borrow is on.
     *
     * @throws ConnectFailedException      when it could not be made, or failed validation
     * @throws NoServerAvailableException  when the server is ejected or draining
     * @throws PoolClosedException         once the pool is closing
     */
    PooledConnection<C> connect(ServerEntry entry) {
        PooledConnection<C> pooled;
        try {
            pooled = books.open(entry);
        } catch (Throwable t) {
            giveBackSlot(entry);
            throw asUnchecked(entry, t);
        }
        try {
            listeners.connectionCreated(entry.address);
        } catch (Throwable t) { // Listeners logs and skips an Exception; an Error gets here
            destroy(pooled);
            throw t;
        }
        if (settings.validation().onBorrow()) {
            validateNew(entry, pooled);
        }
        return pooled;
    }

    /**
     * A health probe: opens a connection of the server in a slot the caller took, has the factory
     * {@linkplain ConnectionFactory#probe prove} the server answers on it, and closes it.
     *
     * @throws ConnectFailedException when it could not be made, failed validation or the probe
     */
    void probe(ServerEntry entry) {
        PooledConnection<C> pooled = connect(entry);
        prove(pooled);
        destroy(pooled);
    }

    /**
     * The factory's {@linkplain ConnectionFactory#probe probe} of a new connection: the server must answer on
     * it. When it does not (false, or a throw), the connection is destroyed and a {@link ConnectFailedException}
     * thrown; an {@link Error} is rethrown after the destroy.
     */
    void prove(PooledConnection<C> pooled) {
        ServerAddress server = pooled.entry.address;
        Throwable error = null;
        boolean answered = false;
        try {
            answered = factory.probe(server, pooled.connection);
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            error = t;
        }
        if (!answered) {
            destroy(pooled);
            if (error instanceof Error e) {
                throw e;
            }
            throw errors.probeNotAnswered(server, error);
        }
    }

    /** Validates a new connection; destroys it and throws when the factory says no or throws. */
    private void validateNew(ServerEntry entry, PooledConnection<C> pooled) {
        Throwable error = null;
        boolean valid = false;
        try {
            valid = factory.validate(entry.address, pooled.connection);
        } catch (Throwable t) {
            error = t;
        }
        if (!valid) {
            destroy(pooled);
            if (error instanceof Error e) {
                throw e;
            }
            throw errors.newConnectionInvalid(entry.address, error);
        }
    }

    /** commons-pool2's create: the factory's connect, entered in the server's counts. */
    private PooledConnection<C> make(ServerEntry entry) {
        ServerAddress server = entry.address;
        if (closed) {
            throw errors.closed();
        }
        if (members.get(server) != entry) {
            throw errors.serverGone(server);
        }
        if (!entry.state().acceptsBorrows()) {
            throw errors.noConnectionWhile(server, entry.state());
        }
        C connection;
        try {
            connection = factory.create(server);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw errors.connectFailed(server, e);
        }
        if (connection == null) {
            throw errors.factoryReturnedNull(server, factory);
        }
        PooledConnection<C> pooled = new PooledConnection<>(connection, entry, clock.nanoTime(), jitteredLifetime());
        entry.connections.add(pooled);
        entry.created.increment();
        return pooled;
    }

    private RuntimeException asUnchecked(ServerEntry entry, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            return e;
        }
        return errors.couldNotGetConnection(entry.address, t);
    }

    /** Max-lifetime shortened by up to 2.5% at random, so connections made together do not expire together. */
    private long jitteredLifetime() {
        if (lifetimeNanos <= 0) {
            return 0;
        }
        long spread = lifetimeNanos / 40;
        return lifetimeNanos - (spread > 0 ? ThreadLocalRandom.current().nextLong(spread) : 0);
    }

    /** Past max-lifetime (a clock read only when max-lifetime is set). */
    boolean expired(PooledConnection<C> pooled) {
        return lifetimeNanos > 0 && pooled.expired(clock.nanoTime());
    }

    /** Past max-lifetime at {@code now}. */
    boolean expired(PooledConnection<C> pooled, long now) {
        return pooled.expired(now);
    }

    /** Parked since longer than idle-timeout at {@code now} (see the class comment). */
    boolean idleTooLong(PooledConnection<C> pooled, long now) {
        return idleTimeoutNanos > 0 && pooled.idleSinceNanos != 0 && now - pooled.idleSinceNanos >= idleTimeoutNanos;
    }

    /** When {@code pooled} will have expired or been idle too long, whichever comes first (Long.MAX_VALUE: never). */
    long nextDeadline(PooledConnection<C> pooled) {
        long next = Long.MAX_VALUE;
        if (pooled.mortal) {
            next = pooled.expiresAtNanos;
        }
        if (idleTimeoutNanos > 0 && pooled.idleSinceNanos != 0) {
            long idleEnd = pooled.idleSinceNanos + idleTimeoutNanos;
            next = next == Long.MAX_VALUE || idleEnd - next < 0 ? idleEnd : next;
        }
        return next;
    }

    /**
     * Validates an idle connection; false (after a debug log) when the factory says no or throws an
     * exception. An {@link Error} destroys the connection and is rethrown.
     */
    boolean stillValid(PooledConnection<C> pooled) {
        try {
            return factory.validate(pooled.entry.address, pooled.connection);
        } catch (RuntimeException e) {
            log.debug("pool '{}': validating an idle {} threw {}", pool, pooled, String.valueOf(e));
            return false;
        } catch (Throwable t) {
            destroy(pooled);
            throw t;
        }
    }

    /** Destroys a connection (once: a second call is logged and skipped) and gives its slot back. */
    void destroy(PooledConnection<C> pooled) {
        if (!pooled.destroyed.compareAndSet(false, true)) {
            log.error("pool '{}': a {} was about to be destroyed twice; skipped (a connpool bug)", pool, pooled);
            return;
        }
        ServerEntry entry = pooled.entry;
        try {
            books.remove(pooled);
            factory.destroy(entry.address, pooled.connection);
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("pool '{}': closing a {} failed; it counts as closed", pool, pooled, t);
        } finally {
            entry.borrowedOnClosed.add(pooled.timesLeased);
            entry.connections.remove(pooled);
            entry.destroyed.increment();
            giveBackSlot(entry);
            try {
                listeners.connectionDestroyed(entry.address);
            } catch (Throwable t) {
                log.warn("pool '{}': a listener threw on connectionDestroyed; ignored", pool, t);
            }
        }
    }

    private void giveBackSlot(ServerEntry entry) {
        slots.giveBack(entry);
        roomFreed.accept(entry);
    }

    /** Refuses new connections from now on and closes the books. */
    void close() {
        closed = true;
        books.close();
    }

    boolean isClosed() {
        return closed;
    }
}
