package dev.connpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.commons.pool2.KeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.PooledObjectState;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.EvictionConfig;
import org.apache.commons.pool2.impl.EvictionPolicy;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only class that touches commons-pool2: one {@link GenericKeyedObjectPool} keyed by server, the
 * factory adapter that wraps the user's {@link ConnectionFactory} (counting every create and destroy per
 * server), the eviction policy (idle-timeout, max-lifetime, ejected servers) and the translation of
 * commons-pool2's exceptions into connpool's.
 *
 * <h2>The fast path: parked connections</h2>
 * A connection given back to a usable server is parked on the server's {@link IdleStack} instead of going
 * back into commons-pool2, and the next borrow of that server takes it from there. commons-pool2 still
 * counts a parked connection as lent, so it stays the owner of every limit (max-active, max-total),
 * of creation, eviction and destruction:
 * <ul>
 *   <li>{@link #active} and {@link #idle} count parked connections as idle, so every stat stays true;</li>
 *   <li>the housekeeper hands every parked connection back to commons-pool2 once per housekeeping
 *       interval ({@link #unparkAll()}), where the evictor applies idle-timeout, validate-while-idle and
 *       max-lifetime as usual (an idle connection is thus closed at most one interval later than it would
 *       have been otherwise);</li>
 *   <li>nothing is parked for an unusable (ejected, draining) server, when expired, beyond max-idle, when
 *       a pool-wide max-total exists (commons-pool2 frees room for another server by closing idle
 *       connections, which it cannot see parked), or once the pool is closing; ejecting, draining and
 *       closing empty the stack first, and a return that raced with them empties it again.</li>
 * </ul>
 */
final class KeyedPoolAdapter<C> {

    private static final Logger log = LoggerFactory.getLogger(KeyedPoolAdapter.class);

    /** Why a create runs: set around the pool's own calls that must not, or need not, behave as a borrow. */
    private enum CreateMode { PREFILL, FORBIDDEN }

    /** What a create on this thread must know of the call that led to it. */
    private static final class CreateContext {
        CreateMode mode;
        /** The deadline of the borrow under way on this thread (0: none): a create that would start later is refused. */
        long deadline;
    }

    private static final ThreadLocal<CreateContext> CONTEXT = ThreadLocal.withInitial(CreateContext::new);

    /** Never wait inside commons-pool2 for an idle connection: connpool waits in {@link Capacity} instead. */
    private static final Duration NO_LIMIT_IN_CREATE = Duration.ofMillis(-1);

    /** Thrown (without a stack trace) to make commons-pool2 destroy a connection or skip a create. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private static final Refused RETIRED = new Refused("retired: expired, or its server is ejected or draining");
    private static final Refused NO_CREATE = new Refused("no new connection wanted here");
    private static final Refused TOO_LATE = new Refused("max-wait ran out before a connection could be made");

    private final String pool;
    private final PoolSettings settings;
    private final ConnectionFactory<C> factory;
    private final ServerRegistry registry;
    private final Listeners listeners;
    private final NanoClock clock;
    private final GenericKeyedObjectPool<ServerAddress, PooledConnection<C>> objects;
    private final long lifetimeNanos;
    private final long idleTimeoutNanos;
    private final long maxWaitNanos;
    /** The pool's one Capacity, used when it has a max-total; otherwise each server has its own. */
    private final Capacity shared = new Capacity(true);
    private final boolean capacityPerServer;
    /** Whether connections given back are parked (see the class comment); false with a pool-wide max-total. */
    private final boolean parking;
    private final int maxIdle;
    private final boolean maxIdleBelowMaxActive;
    private volatile boolean closing;

    KeyedPoolAdapter(PoolSettings settings, ConnectionFactory<C> factory, ServerRegistry registry,
                     Listeners listeners, NanoClock clock) {
        this.pool = settings.name();
        this.settings = settings;
        this.factory = factory;
        this.registry = registry;
        this.listeners = listeners;
        this.clock = clock;
        this.lifetimeNanos = settings.lifetime().maxLifetime().toNanos();
        this.idleTimeoutNanos = settings.lifetime().idleTimeout().toNanos();
        this.maxWaitNanos = settings.limits().maxWait().toNanos();
        this.capacityPerServer = settings.limits().maxTotal() <= 0;
        this.parking = settings.limits().maxTotal() <= 0 && settings.limits().maxIdle() > 0;
        this.maxIdle = settings.limits().maxIdle();
        this.maxIdleBelowMaxActive = settings.limits().maxIdle() < settings.limits().maxActive();

        GenericKeyedObjectPoolConfig<PooledConnection<C>> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(settings.limits().maxActive());
        config.setMaxIdlePerKey(settings.limits().maxIdle());
        config.setMinIdlePerKey(0); // min-idle is refilled by connpool's housekeeper, not the shared evictor
        config.setMaxTotal(settings.limits().maxTotal());
        config.setMaxWait(settings.limits().maxWait());
        // Borrowers never wait inside commons-pool2 (see Capacity); borrowObject answers at once when the
        // server is full, and waits in create() only, without spinning, for a connect already under way.
        config.setBlockWhenExhausted(false);
        config.setLifo(true);
        config.setFairness(false);
        config.setTestOnCreate(false); // a new connection is validated in makeObject, where a failure is a connect failure
        config.setTestOnBorrow(settings.validation().onBorrow());
        config.setTestOnReturn(false);
        config.setTestWhileIdle(settings.validation().whileIdle());
        config.setTimeBetweenEvictionRuns(settings.housekeepingInterval());
        config.setNumTestsPerEvictionRun(-1); // every idle connection, every run
        config.setEvictionPolicy(new Policy());
        config.setJmxEnabled(false);
        config.setCollectDetailedStatistics(false);
        // Capacity only moves between servers when a pool-wide max-total exists; otherwise skip the scan of
        // every server that commons-pool2 makes on each return when anyone waits.
        config.setReuseCapacityOnReturn(settings.limits().maxTotal() > 0);
        config.setReuseCapacityOnMaintenance(settings.limits().maxTotal() > 0);
        this.objects = new GenericKeyedObjectPool<>(new Factory(), config);
        this.objects.setSwallowedExceptionListener(
                e -> log.debug("pool '{}': commons-pool2 swallowed {}", pool, String.valueOf(e)));
    }

    // ---- borrow and return ---------------------------------------------------------------------------

    /**
     * Takes a connection of {@code entry}'s server, idle or new, waiting up to max-wait for one to come back
     * when the server is full. A connect the borrow starts itself may add its own duration; a connect
     * started after max-wait ran out (once another borrower's connect ended) is refused.
     */
    PooledConnection<C> borrow(ServerEntry entry) {
        boolean nobodyWaits = entry.waiting() == 0; // no barging past borrowers that wait already
        if (nobodyWaits) {
            PooledConnection<C> parked = takeParked(entry);
            if (parked != null) {
                return parked;
            }
        }
        CreateContext context = CONTEXT.get();
        long deadline = clock.nanoTime() + maxWaitNanos;
        context.deadline = deadline == 0 ? 1 : deadline;
        try {
            PooledConnection<C> pooled = nobodyWaits ? borrowFromPool(entry, deadline) : null;
            return pooled != null ? pooled : awaitBorrow(entry, deadline);
        } finally {
            context.deadline = 0;
        }
    }

    /** One try: a parked connection, an idle one, or a new one if the server has room; null when it is full. */
    private PooledConnection<C> tryBorrow(ServerEntry entry, long deadline) {
        PooledConnection<C> parked = takeParked(entry);
        return parked != null ? parked : borrowFromPool(entry, deadline);
    }

    /** One try in commons-pool2: an idle connection, or a new one if the server has room; null when it is full. */
    private PooledConnection<C> borrowFromPool(ServerEntry entry, long deadline) {
        ServerAddress server = entry.address;
        try {
            return objects.borrowObject(server, NO_LIMIT_IN_CREATE);
        } catch (NoSuchElementException e) {
            return null; // full (or a commons-pool2 refusal that a retry after a change may cure)
        } catch (InterruptedException e) {
            throw interrupted(server, e);
        } catch (IllegalStateException e) {
            if (objects.isClosed()) {
                throw new PoolClosedException(pool);
            }
            throw e;
        } catch (RuntimeException e) {
            throw e;
        } catch (Refused e) {
            if (e == TOO_LATE) {
                throw timeout(server, clock.nanoTime() - (deadline - maxWaitNanos));
            }
            throw new ConnectFailedException(pool, server, "pool '" + pool + "': " + e.getMessage(), e);
        } catch (Exception e) {
            throw new ConnectFailedException(pool, server, "pool '" + pool + "': could not get a connection to "
                    + server + ": " + e, e);
        }
    }

    private PooledConnection<C> awaitBorrow(ServerEntry entry, long deadline) {
        Capacity capacity = capacityOf(entry);
        long seen = capacity.enter();
        entry.addWaiting(1);
        boolean served = false;
        try {
            while (true) {
                PooledConnection<C> pooled = tryBorrow(entry, deadline); // again: a return may have come before enter()
                if (pooled != null) {
                    served = true;
                    return pooled;
                }
                long left = deadline - clock.nanoTime();
                if (left <= 0) {
                    throw timeout(entry.address, clock.nanoTime() - (deadline - maxWaitNanos));
                }
                try {
                    seen = capacity.await(seen, left);
                } catch (InterruptedException e) {
                    throw interrupted(entry.address, e);
                }
                if (objects.isClosed()) {
                    throw new PoolClosedException(pool);
                }
            }
        } finally {
            entry.addWaiting(-1);
            capacity.leave();
            if (!served) {
                capacity.signal(); // a wake-up this waiter took but could not use goes to the next one
            }
        }
    }

    private Capacity capacityOf(ServerEntry entry) {
        return capacityPerServer ? entry.capacity : shared;
    }

    /** A connection of the server came back or went away: wake who waits for it. */
    void signal(ServerEntry entry) {
        if (!capacityPerServer) {
            shared.signal();
        } else if (entry.waiting() > 0) { // read in the entry itself: its Capacity stays untouched when none waits
            entry.capacity.signal();
        }
    }

    /** Wakes every waiting borrower (the pool is closing). */
    void wakeAllWaiters() {
        shared.signalAll();
        for (ServerEntry entry : registry.all()) {
            entry.capacity.signalAll();
        }
    }

    private PoolException interrupted(ServerAddress server, InterruptedException e) {
        if (objects.isClosed()) {
            return new PoolClosedException(pool);
        }
        Thread.currentThread().interrupt();
        return new PoolException(pool, server, "pool '" + pool + "': interrupted while waiting for a connection to "
                + server, e);
    }

    /** A probe: borrows a connection of the server (a new one, its idle ones having been closed) and returns it. */
    void borrowAndReturn(ServerEntry entry) {
        release(borrow(entry));
    }

    /**
     * A parked connection of the server, validated when validate-on-borrow is on; null when none is
     * parked. Expired and invalid ones are destroyed on the way, as commons-pool2's borrow would.
     */
    private PooledConnection<C> takeParked(ServerEntry entry) {
        if (!parking) {
            return null;
        }
        PooledConnection<C> pooled;
        while ((pooled = cast(entry.popParked())) != null) {
            if (expired(pooled)) {
                destroy(pooled);
            } else if (settings.validation().onBorrow() && !stillValid(pooled)) {
                destroy(pooled);
            } else {
                return pooled;
            }
        }
        return null;
    }

    private boolean stillValid(PooledConnection<C> pooled) {
        try {
            return factory.validate(pooled.entry.address, pooled.connection);
        } catch (RuntimeException e) {
            log.debug("pool '{}': validating an idle {} threw {}", pool, pooled, String.valueOf(e));
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static <C> PooledConnection<C> cast(PooledConnection<?> pooled) {
        return (PooledConnection<C>) pooled;
    }

    /** Parks a connection given back, if it may be (see the class comment); false when commons-pool2 must take it. */
    private boolean park(PooledConnection<C> pooled) {
        if (!parking || closing || retired(pooled)) {
            return false;
        }
        ServerEntry entry = pooled.entry;
        // With max-idle >= max-active, max-idle can never be passed: this connection is not parked yet.
        if (maxIdleBelowMaxActive && entry.parkedCount() + objects.getNumIdle(entry.address) >= maxIdle) {
            return false;
        }
        entry.pushParked(pooled);
        if (closing || !entry.state().isUsable()) {
            // Raced with close(), an ejection or a drain, which may have emptied the stack already: empty it
            // again; commons-pool2 closes what it must.
            unpark(entry);
        }
        return true;
    }

    /** Hands every parked connection of the server back to commons-pool2. */
    private void unpark(ServerEntry entry) {
        List<PooledConnection<?>> all = entry.popAllParked();
        for (PooledConnection<?> pooled : all) {
            giveBack(cast(pooled));
        }
        if (!all.isEmpty()) {
            signal(entry); // a waiter may have found the stack empty while they were in transit
        }
    }

    /**
     * Hands every parked connection back to commons-pool2, whose evictor then sees it (idle-timeout,
     * validate-while-idle, max-lifetime). Run by the housekeeper once per housekeeping interval; busy
     * connections are parked again by their next return.
     */
    void unparkAll() {
        for (ServerEntry entry : registry.all()) {
            unpark(entry);
        }
    }

    /** Gives a connection back; commons-pool2 destroys it if it is expired, its server is out, or the pool is closed. */
    void release(PooledConnection<C> connection) {
        if (park(connection)) {
            return;
        }
        if (parking && maxIdleBelowMaxActive && connection.entry.parkedCount() > 0 && idle(connection.entry) >= maxIdle) {
            destroy(connection); // max-idle reached, counting the parked ones that commons-pool2 cannot see
            return;
        }
        giveBack(connection);
    }

    private void giveBack(PooledConnection<C> connection) {
        try {
            objects.returnObject(connection.entry.address, connection);
        } catch (IllegalStateException e) {
            log.debug("pool '{}': return of a {} ignored: {}", pool, connection, e.getMessage());
        }
    }

    /** Destroys a lent connection instead of returning it. */
    void destroy(PooledConnection<C> connection) {
        try {
            objects.invalidateObject(connection.entry.address, connection);
        } catch (IllegalStateException e) {
            log.debug("pool '{}': invalidation of a {} ignored: {}", pool, connection, e.getMessage());
        } catch (Exception e) {
            log.warn("pool '{}': destroying a {} failed", pool, connection, e);
        }
    }

    // ---- housekeeping ----------------------------------------------------------------------------------

    /** Closes every idle connection of a server now. */
    void clearIdle(ServerEntry entry) {
        for (PooledConnection<?> pooled : entry.popAllParked()) {
            destroy(cast(pooled));
        }
        objects.clear(entry.address, false);
    }

    /** Opens one more idle connection to a server, if it has room; failures are thrown. */
    void addIdle(ServerEntry entry) {
        CONTEXT.get().mode = CreateMode.PREFILL;
        try {
            objects.addObject(entry.address);
        } catch (IllegalStateException e) {
            if (objects.isClosed()) {
                throw new PoolClosedException(pool);
            }
            throw e;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ConnectFailedException(pool, entry.address, "pool '" + pool + "': could not open an idle connection to "
                    + entry.address + ": " + e, e);
        } finally {
            CONTEXT.get().mode = null;
        }
    }

    /** Closes idle connections of a server beyond {@code keep}; opens none. Returns how many it closed. */
    int retainIdle(ServerEntry entry, int keep) {
        unpark(entry);
        int excess = objects.getNumIdle(entry.address) - keep;
        if (excess <= 0) {
            return 0;
        }
        List<PooledConnection<C>> taken = new ArrayList<>(excess);
        CONTEXT.get().mode = CreateMode.FORBIDDEN;
        try {
            for (int i = 0; i < excess; i++) {
                taken.add(objects.borrowObject(entry.address, NO_LIMIT_IN_CREATE));
            }
        } catch (Exception e) {
            log.debug("pool '{}': retainIdle stopped early on {}: {}", pool, entry.address, String.valueOf(e));
        } finally {
            CONTEXT.get().mode = null;
            taken.forEach(this::destroy);
        }
        return taken.size();
    }

    /** Stops parking, hands the parked connections to commons-pool2 and closes it (which closes the idle ones). */
    void close() {
        closing = true;
        unparkAll();
        objects.close();
    }

    boolean isClosed() {
        return objects.isClosed();
    }

    // ---- counts ------------------------------------------------------------------------------------------

    /** Connections of the server lent out (commons-pool2 counts the parked ones as lent; they are not). */
    int active(ServerEntry entry) {
        return Math.max(0, objects.getNumActive(entry.address) - entry.parkedCount());
    }

    /** Idle connections of the server: in commons-pool2 or parked. */
    int idle(ServerEntry entry) {
        return objects.getNumIdle(entry.address) + entry.parkedCount();
    }

    private PoolTimeoutException timeout(ServerAddress server, long waitedNanos) {
        Duration waited = Duration.ofNanos(waitedNanos);
        ServerEntry entry = registry.get(server);
        int waiting = entry == null ? 0 : entry.waiting();
        return new PoolTimeoutException(pool, server, waited, "pool '" + pool + "': no connection to " + server
                + " became free within max-wait " + settings.limits().maxWait().toMillis() + " ms (waited " + waited.toMillis()
                + " ms; active " + (entry == null ? objects.getNumActive(server) : active(entry))
                + ", idle " + (entry == null ? objects.getNumIdle(server) : idle(entry)) + ", waiting " + waiting
                + ", max-active " + settings.limits().maxActive() + ")");
    }

    // ---- commons-pool2 callbacks -----------------------------------------------------------------------

    private PooledConnection<C> create(ServerAddress server) throws Refused {
        CreateContext context = CONTEXT.get();
        CreateMode mode = context.mode;
        if (mode == CreateMode.FORBIDDEN) {
            throw NO_CREATE;
        }
        if (context.deadline != 0 && clock.nanoTime() - context.deadline >= 0) {
            // This borrower waited in commons-pool2 for another one's connect, past its own max-wait.
            throw TOO_LATE;
        }
        if (objects.isClosed()) {
            // commons-pool2 may still try: invalidateObject() reuses the freed capacity for a waiter even
            // after close, and the new connection would sit idle in a closed pool, never destroyed.
            throw new PoolClosedException(pool);
        }
        ServerEntry entry = registry.get(server);
        if (entry == null) {
            throw new ConnectFailedException(pool, server, "pool '" + pool + "': server " + server
                    + " is no longer in the pool", null);
        }
        if (!entry.state().isUsable()) {
            // commons-pool2 creates on its own for waiting borrowers (after a destroy); not for a server
            // that is ejected or being removed.
            throw new NoServerAvailableException(pool, server, "pool '" + pool + "': server " + server + " is "
                    + entry.state().name().toLowerCase(java.util.Locale.ROOT) + "; no new connection is made to it");
        }
        C connection;
        try {
            connection = factory.create(server);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ConnectFailedException(pool, server, "pool '" + pool + "': could not connect to " + server
                    + ": " + e, e);
        }
        if (connection == null) {
            throw new ConnectFailedException(pool, server, "pool '" + pool + "': connection factory " + factory
                    + " returned null for " + server, null);
        }
        long now = clock.nanoTime();
        PooledConnection<C> pooled = new PooledConnection<>(connection, entry, now, jitteredLifetime());
        entry.connections.add(pooled);
        entry.created.increment();
        listeners.connectionCreated(server);
        if (settings.validation().onBorrow()) {
            Throwable error = null;
            boolean valid = false;
            try {
                valid = factory.validate(server, connection);
            } catch (RuntimeException e) {
                error = e;
            }
            if (!valid) {
                destroyNow(pooled);
                throw new ConnectFailedException(pool, server, "pool '" + pool + "': a new connection to " + server
                        + " failed validation", error);
            }
            // On the borrow path commons-pool2 validates the new connection again at once: skip that one.
            pooled.skipNextValidation = mode != CreateMode.PREFILL;
        }
        return pooled;
    }

    /** Max-lifetime shortened by up to 2.5% at random, so connections made together do not expire together. */
    private long jitteredLifetime() {
        if (lifetimeNanos <= 0) {
            return 0;
        }
        long spread = lifetimeNanos / 40;
        return lifetimeNanos - (spread > 0 ? ThreadLocalRandom.current().nextLong(spread) : 0);
    }

    private void destroyNow(PooledConnection<C> pooled) {
        if (!pooled.destroyed.compareAndSet(false, true)) {
            log.error("pool '{}': a {} was about to be destroyed twice; skipped (a connpool bug)", pool, pooled);
            return;
        }
        try {
            factory.destroy(pooled.entry.address, pooled.connection);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("pool '{}': closing a {} failed; it counts as closed", pool, pooled, e);
        } finally {
            pooled.entry.borrowedOnClosed.add(pooled.timesLeased);
            pooled.entry.connections.remove(pooled);
            pooled.entry.destroyed.increment();
            signal(pooled.entry);
            listeners.connectionDestroyed(pooled.entry.address);
        }
    }

    private boolean retired(PooledConnection<C> pooled) {
        return !pooled.entry.state().isUsable() || expired(pooled);
    }

    /** Past max-lifetime (a clock read only when max-lifetime is set). */
    private boolean expired(PooledConnection<C> pooled) {
        return lifetimeNanos > 0 && pooled.expired(clock.nanoTime());
    }

    private final class Factory implements KeyedPooledObjectFactory<ServerAddress, PooledConnection<C>> {

        @Override
        public PooledObject<PooledConnection<C>> makeObject(ServerAddress server) throws Refused {
            return new DefaultPooledObject<>(create(server));
        }

        @Override
        public void destroyObject(ServerAddress server, PooledObject<PooledConnection<C>> p) {
            destroyNow(p.getObject());
        }

        @Override
        public boolean validateObject(ServerAddress server, PooledObject<PooledConnection<C>> p) {
            PooledConnection<C> pooled = p.getObject();
            if (pooled.skipNextValidation) {
                pooled.skipNextValidation = false;
                return true;
            }
            return factory.validate(server, pooled.connection);
        }

        @Override
        public void activateObject(ServerAddress server, PooledObject<PooledConnection<C>> p) throws Refused {
            if (expired(p.getObject())) {
                throw RETIRED; // commons-pool2 destroys it and takes the next idle one, or creates one
            }
        }

        @Override
        public void passivateObject(ServerAddress server, PooledObject<PooledConnection<C>> p) throws Refused {
            // Refuse only on return and eviction, where commons-pool2 destroys what passivation refuses.
            // addIdleObject (after addObject, or a create for a waiter) does not: a refused new connection would
            // stay in its list of all objects, neither idle nor lent, never destroyed. Such a connection goes
            // idle here and the evictor retires it.
            if (p.getState() != PooledObjectState.IDLE && retired(p.getObject())) {
                throw RETIRED; // commons-pool2 destroys it instead of keeping it idle
            }
        }
    }

    /** Idle connections go when older than idle-timeout (above min-idle), expired, or their server is out. */
    private final class Policy implements EvictionPolicy<PooledConnection<C>> {

        @Override
        public boolean evict(EvictionConfig config, PooledObject<PooledConnection<C>> underTest, int idleCount) {
            if (retired(underTest.getObject())) {
                return true;
            }
            return idleTimeoutNanos > 0 && idleCount > settings.limits().minIdle()
                    && underTest.getIdleDuration().toNanos() > idleTimeoutNanos;
        }
    }
}
