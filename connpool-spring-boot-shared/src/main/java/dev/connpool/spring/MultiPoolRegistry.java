package dev.connpool.spring;

import dev.connpool.MultiPool;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Every {@link MultiPool} of the application by name: the configured ones and any other {@code MultiPool}
 * bean. Immutable once the context has started.
 */
public final class MultiPoolRegistry implements Iterable<MultiPool<?>> {

    private final Map<String, MultiPool<?>> pools;
    private final Set<String> names;

    /**
     * Creates a registry.
     *
     * @param pools the pools; each is registered under its {@link MultiPool#name()}
     */
    public MultiPoolRegistry(Collection<? extends MultiPool<?>> pools) {
        Map<String, MultiPool<?>> byName = new LinkedHashMap<>();
        for (MultiPool<?> pool : pools) {
            if (byName.putIfAbsent(pool.name(), pool) != null) {
                throw new IllegalStateException("two pools are named '" + pool.name() + "'");
            }
        }
        this.pools = Map.copyOf(byName);
        this.names = Set.copyOf(byName.keySet());
    }

    /**
     * Returns the pool of that name.
     *
     * @param name the pool's name
     * @return the pool
     * @throws NoSuchElementException when there is none, naming the pools there are
     */
    public MultiPool<?> get(String name) {
        MultiPool<?> pool = pools.get(name);
        if (pool == null) {
            throw new NoSuchElementException("no pool named '" + name + "'; the pools are " + names);
        }
        return pool;
    }

    /**
     * Returns the pool of that name, typed by the caller.
     *
     * @param name           the pool's name
     * @param connectionType the class of its connections (unchecked: the pool's factory decides)
     * @param <C>            the connection type
     * @return the pool
     * @throws NoSuchElementException when there is none
     */
    @SuppressWarnings("unchecked")
    public <C> MultiPool<C> get(String name, Class<C> connectionType) {
        return (MultiPool<C>) get(name);
    }

    /**
     * Returns the pools' names.
     *
     * @return an immutable set
     */
    public Set<String> names() {
        return names;
    }

    @Override
    public Iterator<MultiPool<?>> iterator() {
        return pools.values().iterator();
    }
}
