package dev.connpool;

/** The stack trace of a borrow, kept while leak detection is on and logged if the lease is held too long. */
final class LeakTrace extends Exception {

    private static final long serialVersionUID = 1L;

    LeakTrace(String pool, ServerAddress server) {
        super("the connection to " + server + " of pool '" + pool + "' was borrowed here");
    }
}
