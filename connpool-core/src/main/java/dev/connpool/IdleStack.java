package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A server's parked (idle) connections, so that a borrow of the server takes one with a single CAS. The
 * data structure only: what may be parked, and when, is {@link ParkedConnections}' business.
 *
 * <p>Its {@link ServerEntry} holds it in a final field.
 *
 * <p>A front slot holding one connection, then a lock-free LIFO (Treiber) stack of immutable nodes. A
 * return fills the slot when it is empty, and a borrow empties it first: in the common case (as many
 * borrowers of the server at a time as it has idle connections, or fewer) no node is made or read, and a
 * borrow touches the entry and the connection only. The slot holds one connection and no link, so a CAS on
 * it cannot be fooled by a connection that left and came back; stack nodes are never reused, so neither
 * can the stack's (no ABA). A push reads nothing but the head field, so that it touches no cold node;
 * {@link #parkedCount()} walks the nodes instead (for stats and for max-idle below max-active, never more
 * than max-active of them). The order is LIFO but for the slot, which goes first.
 *
 * <p>With a max-idle below max-active the stack is bounded: {@link #tryReserve} and {@link #unreserve}
 * keep a count of the connections parked or about to be, so that a push can never pass the bound (the
 * count is not touched otherwise: an unbounded stack costs no extra atomic per borrow and return).
 */
final class IdleStack {

    private static final VarHandle HEAD;
    private static final VarHandle SLOT;
    private static final VarHandle RESERVED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(IdleStack.class, "head", Node.class);
            SLOT = lookup.findVarHandle(IdleStack.class, "slot", PooledConnection.class);
            RESERVED = lookup.findVarHandle(IdleStack.class, "reserved", int.class);
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
    @SuppressWarnings("unused") // through RESERVED
    private volatile int reserved;

    /** Bounded use: takes a place for one more connection if fewer than {@code max} are taken. */
    boolean tryReserve(int max) {
        int taken;
        do {
            taken = reserved;
            if (taken >= max) {
                return false;
            }
        } while (!RESERVED.compareAndSet(this, taken, taken + 1));
        return true;
    }

    /** Bounded use: gives back {@code count} places (connections popped, or a reservation not used). */
    void unreserve(int count) {
        RESERVED.getAndAdd(this, -count);
    }

    void pushParked(PooledConnection<?> connection) {
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
    PooledConnection<?> popParked() {
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
    List<PooledConnection<?>> popAllParked() {
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
    int parkedCount() {
        int count = slot == null ? 0 : 1;
        for (Node node = head; node != null; node = node.next) {
            count++;
        }
        return count;
    }
}
