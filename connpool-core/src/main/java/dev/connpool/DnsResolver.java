package dev.connpool;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;

/**
 * Resolves a DNS name to its addresses for a {@link DnsServerSource}: every A and AAAA record. The JDK's
 * resolver ({@link #system()}) by default; tests, or an application with a DNS client of its own (one that
 * asks a given server, or reads SRV records), put another in its place.
 *
 * <p>Called on the source's one thread, never concurrently with itself. It may block (a resolution that
 * times out keeps the source's last list meanwhile), but should give up within the refresh interval.
 */
@FunctionalInterface
public interface DnsResolver {

    /**
     * Resolves a name.
     *
     * @param name the DNS name, such as {@code orders.prod.svc.cluster.local}
     * @return every address the name has now; an empty list when it has none
     * @throws IOException when the name cannot be resolved now (an unknown name, a resolver that does not
     *                     answer): the source keeps its last list
     */
    List<InetAddress> resolve(String name) throws IOException;

    /**
     * The JDK's resolver, {@link InetAddress#getAllByName(String)}: the operating system's (through
     * {@code /etc/hosts} and {@code /etc/resolv.conf} on Linux), behind the JVM's own cache of answers,
     * which a refresh interval cannot undercut: {@code networkaddress.cache.ttl} (a security property; 30 s
     * when neither it nor {@code sun.net.inetaddr.ttl} is set and there is no security manager) and, for
     * names that did not resolve, {@code networkaddress.cache.negative.ttl} (10 s).
     *
     * @return the resolver
     */
    static DnsResolver system() {
        return name -> List.of(InetAddress.getAllByName(name));
    }
}
