package dev.connpool;

import java.util.Set;

/**
 * Tells a DNS source whether its answers are whole or samples, and so how many answers in a row an address
 * must be missing from before the removal delay may drain it.
 *
 * <p>Some DNS servers answer a random subset of a large record set: Route 53's multivalue answers carry 8
 * records, Consul's DNS 3, a server that truncates a UDP answer some more. Every answer then leaves out
 * healthy addresses, and a removal delay alone drains them (Envoy's strict DNS clusters add and drain hosts
 * in a loop on such answers, envoyproxy/envoy#15457). Samples are told apart by their variation: whole
 * answers repeat (the order aside), samples differ from one answer to the next.
 *
 * <ul>
 *   <li>An answer equal to the one before is taken as whole: one answer suffices (the removal delay is the
 *       hysteresis).</li>
 *   <li>An answer that differs, smaller than the addresses known, is taken as a sample of {@code k} of the
 *       {@code n} known addresses: an address must be missing from {@code N} answers in a row, {@code N}
 *       such that a sample of that size would have shown it with a probability of all but
 *       {@link #MISS_CHANCE}: {@code N = ceil(ln(MISS_CHANCE) / ln(1 - k/n))}; 80 answers for 8 of 50, 12 for
 *       7 of 10. After a real change, whole answers repeat from the second one on: the change costs one
 *       answer, not {@code N}.</li>
 * </ul>
 *
 * <p>Used by the source's one thread only.
 */
final class DnsSampling {

    /** The chance, per address and answer, that a sample leaves out a healthy address that many times. */
    static final double MISS_CHANCE = 1e-6;

    private Set<ServerAddress> previous;

    /**
     * How many answers in a row an address missing from {@code answer} must be missing from.
     *
     * @param answer the addresses of this answer (not empty)
     * @param known  how many addresses the source knows: this answer's, those of the answers before it, and
     *               those kept for their removal delay
     * @return 1 for a whole answer, more for a sample
     */
    int answersNeeded(Set<ServerAddress> answer, int known) {
        boolean repeated = answer.equals(previous);
        previous = Set.copyOf(answer);
        if (repeated || answer.size() >= known) {
            return 1;
        }
        double shown = (double) answer.size() / known;
        return (int) Math.ceil(Math.log(MISS_CHANCE) / Math.log1p(-shown));
    }
}
