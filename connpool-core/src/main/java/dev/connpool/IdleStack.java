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
 * <p>{@link ServerEntry} extends it, so that the head lives in the entry itself.
 *
 * <p>A lock-free LIFO (Treiber) stack of immutable nodes. Nodes are never reused, so a CAS cannot be
 * fooled by a node that left and came back (no ABA). A push reads nothing but the head field, so that it
 * touches no cold node; {@link #parkedCount()} walks the nodes instead (for stats and for max-idle below
 * max-active, never more than max-active of them).
 */
class IdleStack {

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(IdleStack.class, "head", Node.class);
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

    @SuppressWarnings("unused") // through HEAD
    private volatile Node head;

    final void pushParked(PooledConnection<?> connection) {
        Node top;
        Node node;
        do {
            top = head;
            node = new Node(connection, top);
        } while (!HEAD.compareAndSet(this, top, node));
    }

    /** The most recently parked connection, or null when there is none. */
    final PooledConnection<?> popParked() {
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
        Node top = (Node) HEAD.getAndSet(this, (Node) null);
        if (top == null) {
            return List.of();
        }
        List<PooledConnection<?>> all = new ArrayList<>();
        for (Node node = top; node != null; node = node.next) {
            all.add(node.connection);
        }
        return all;
    }

    /** How many connections are parked: exact for one moment while pushes and pops go on. */
    final int parkedCount() {
        int count = 0;
        for (Node node = head; node != null; node = node.next) {
            count++;
        }
        return count;
    }
}
