package dev.connpool;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one answer of a server source changed in the pool, logged for operators (under
 * {@code dev.connpool.ServerSourceSupport}): servers added and drained at INFO, servers kept for their removal
 * delay and servers listed again in time at INFO once each, an answer that changed nothing at DEBUG.
 */
final class SourceChangeLog {

    private static final Logger log = LoggerFactory.getLogger(ServerSourceSupport.class);

    private SourceChangeLog() {
    }

    /**
     * Logs one decision.
     *
     * @param label       names the source
     * @param decision    what the answer led to
     * @param before      the pool's servers before it
     * @param delayMillis the removal delay
     */
    static void log(String label, RemovalDelay.Decision decision, Set<ServerAddress> before, long delayMillis) {
        List<ServerAddress> added = new ArrayList<>();
        for (ServerAddress server : decision.servers()) {
            if (!before.contains(server)) {
                added.add(server);
            }
        }
        List<ServerAddress> removed = new ArrayList<>();
        for (ServerAddress server : before) {
            if (!decision.servers().contains(server)) {
                removed.add(server);
            }
        }
        if (!decision.missing().isEmpty()) {
            log.info("{}: {} no longer listed; kept for the removal delay ({} ms) in case it comes back", label,
                    decision.missing(), delayMillis);
        }
        if (!decision.back().isEmpty()) {
            log.info("{}: {} listed again before its removal delay ran out; not drained", label, decision.back());
        }
        if (added.isEmpty() && removed.isEmpty()) {
            log.debug("{}: {} server(s), unchanged", label, decision.servers().size());
        } else {
            log.info("{}: {}{}{} server(s) now", label, added.isEmpty() ? "" : "added " + added + "; ",
                    removed.isEmpty() ? "" : "removed " + removed + " (draining); ", decision.servers().size());
        }
    }
}
