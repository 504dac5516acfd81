package dev.connpool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A server's parked (idle) connections, so that a borrow of the server takes one with a single CAS. The
 * data structure only: what may be parked, and when, is {@link ParkedConnections}' business.
 *
 * <p>Its three fields live in the {@link ServerEntry} itself ({@code parkedSlot}, {@code parkedHead},
 * {@code parkedReserved}), beside the entry's other hot fields, and only this class touches them: a borrow
 * then reads one object, and the stacks of different servers never share a cache line (separate small
 * stack objects, allocated one after the other, did, and cost half the throughput at 8 threads). This
 * class is the algorithm over those fields.
 *
 * <p>A front slot holding one connection, then a lock-free LIFO (Treiber) stack of immutable nodes. A
 * return fills the slot when it is empty, and a borrow empties it first: in the common case (as many
 * borrowers of the server at a time as it has idle connections, or fewer) no node is made or read, and a
 * borrow touches the entry and the connection only. The slot holds one connection and no link, so a CAS on
 * it cannot be fooled by a connection that left and came back; stack nodes are never reused, so neither
 * can the stack's (no ABA). A push reads nothing but the head field, so that it touches no cold node;
 * {@link #count} walks the nodes instead (for stats and for max-idle below max-active, never more
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
            HEAD = lookup.findVarHandle(ServerEntry.class, "parkedHead", Object.class);
            SLOT = lookup.findVarHandle(ServerEntry.class, "parkedSlot", PooledConnection.class);
            RESERVED = lookup.findVarHandle(ServerEntry.class, "parkedReserved", int.class);
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

    private IdleStack() {
    }

    /** Bounded use: takes a place for one more connection if fewer than {@code max} are taken. */
    static boolean tryReserve(ServerEntry entry, int max) {
        int taken;
        do {
            taken = entry.parkedReserved;
            if (taken >= max) {
                return false;
            }
        } while (!RESERVED.compareAndSet(entry, taken, taken + 1));
        return true;
    }

    /** Bounded use: gives back {@code count} places (connections popped, or a reservation not used). */
    static void unreserve(ServerEntry entry, int count) {
        RESERVED.getAndAdd(entry, -count);
    }

    static void push(ServerEntry entry, PooledConnection<?> connection) {
        if (entry.parkedSlot == null && SLOT.compareAndSet(entry, (PooledConnection<?>) null, connection)) {
            return;
        }
        Node top;
        Node node;
        do {
            top = (Node) entry.parkedHead;
            node = new Node(connection, top);
        } while (!HEAD.compareAndSet(entry, (Object) top, (Object) node));
    }

    /** A parked connection (the slot's first, then the most recently parked), or null when there is none. */
    static PooledConnection<?> pop(ServerEntry entry) {
        PooledConnection<?> first = entry.parkedSlot;
        if (first != null && SLOT.compareAndSet(entry, first, (PooledConnection<?>) null)) {
            return first;
        }
        Node top;
        do {
            top = (Node) entry.parkedHead;
            if (top == null) {
                return null;
            }
        } while (!HEAD.compareAndSet(entry, (Object) top, (Object) top.next));
        return top.connection;
    }

    /** Takes every parked connection at once. */
    static List<PooledConnection<?>> popAll(ServerEntry entry) {
        PooledConnection<?> first = (PooledConnection<?>) SLOT.getAndSet(entry, (PooledConnection<?>) null);
        Node top = (Node) HEAD.getAndSet(entry, (Object) null);
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

    /** Whether no connection is parked (two reads, no walk; may be stale at once). */
    static boolean isEmpty(ServerEntry entry) {
        return entry.parkedSlot == null && entry.parkedHead == null;
    }

    /** How many connections are parked: exact for one moment while pushes and pops go on. */
    static int count(ServerEntry entry) {
        int count = entry.parkedSlot == null ? 0 : 1;
        for (Node node = (Node) entry.parkedHead; node != null; node = node.next) {
            count++;
        }
        return count;
    }
}
