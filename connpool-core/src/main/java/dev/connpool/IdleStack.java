package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A server's parked connections: idle ones that stay checked out of commons-pool2 between two leases, so
 * that the next borrow of the server takes one with a single CAS instead of a trip through commons-pool2
 * (its locks, its {@code Instant} clock reads and its per-object {@code synchronized} state changes).
 *
 * <p>{@link ServerEntry} extends it, so that its fields live in the entry itself.
 *
 * <p>A front slot holding one connection, then a lock-free LIFO (Treiber) stack of immutable nodes. A
 * return fills the slot when it is empty, and a borrow empties it first: in the common case (as many
 * borrowers of the server at a time as it has idle connections, or fewer) no node is made or read, and a
 * borrow touches the entry and the connection only. The slot holds one connection and no link, so a CAS on
 * it cannot be fooled by a connection that left and came back; stack nodes are never reused, so neither
 * can the stack's (no ABA). A push reads nothing but the head field, so that it touches no cold node;
 * {@link #parkedCount()} walks the nodes instead (for stats and for max-idle below max-active, never more
 * than max-active of them). The order is LIFO but for the slot, which goes first.
 */
class IdleStack {

    private static final VarHandle HEAD;
    private static final VarHandle SLOT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(IdleStack.class, "head", Node.class);
            SLOT = lookup.findVarHandle(IdleStack.class, "slot", PooledConnection.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Node {
        final PooledConnection<?> connection;
        final Node next;

        Node(PooledConnection<?> connection, Node next) {
            this.connection = connection;
            this.next = next;
        }
    }

    @SuppressWarnings("unused") // through SLOT
    private volatile PooledConnection<?> slot;
    @SuppressWarnings("unused") // through HEAD
    private volatile Node head;

    final void pushParked(PooledConnection<?> connection) {
        if (slot == null && SLOT.compareAndSet(this, (PooledConnection<?>) null, connection)) {
            return;
        }
        Node top;
        Node node;
        do {
            top = head;
            node = new Node(connection, top);
        } while (!HEAD.compareAndSet(this, top, node));
    }

    /** A parked connection (the slot's first, then the most recently parked), or null when there is none. */
    final PooledConnection<?> popParked() {
        PooledConnection<?> first = slot;
        if (first != null && SLOT.compareAndSet(this, first, (PooledConnection<?>) null)) {
            return first;
        }
        Node top;
        do {
            top = head;
            if (top == null) {
                return null;
            }
        } while (!HEAD.compareAndSet(this, top, top.next));
        return top.connection;
    }

    /** Takes every parked connection at once. */
    final List<PooledConnection<?>> popAllParked() {
        PooledConnection<?> first = (PooledConnection<?>) SLOT.getAndSet(this, (PooledConnection<?>) null);
        Node top = (Node) HEAD.getAndSet(this, (Node) null);
        if (first == null && top == null) {
            return List.of();
        }
        List<PooledConnection<?>> all = new ArrayList<>();
        if (first != null) {
            all.add(first);
        }
        for (Node node = top; node != null; node = node.next) {
            all.add(node.connection);
        }
        return all;
    }

    /** How many connections are parked: exact for one moment while pushes and pops go on. */
    final int parkedCount() {
        int count = slot == null ? 0 : 1;
        for (Node node = head; node != null; node = node.next) {
            count++;
        }
        return count;
    }
}
