package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link Balancer#named(String)} and {@link Balancer#name()}: the names YAML's {@code balancer} takes. */
class BalancerNamesTest {

    @Test
    void everyNameGivesTheBalancerOfThatName() {
        for (String name : Balancer.NAMES) {
            assertThat(Balancer.named(name).name()).isEqualTo(name);
        }
        assertThat(Balancer.leastActive().name()).isEqualTo("least-active");
        assertThat(Balancer.roundRobin().name()).isEqualTo("round-robin");
        assertThat(Balancer.random().name()).isEqualTo("random");
        assertThat(Balancer.leastLatency().name()).isEqualTo("least-latency");
    }

    @Test
    void namesAreReadLeniently() {
        assertThat(Balancer.named(" LEAST_ACTIVE ").name()).isEqualTo("least-active");
        assertThat(Balancer.named("RoundRobin").name()).isEqualTo("round-robin");
        assertThat(Balancer.named("Random").name()).isEqualTo("random");
        assertThat(Balancer.named("LEAST_LATENCY").name()).isEqualTo("least-latency");
        assertThat(Balancer.named("leastlatency").name()).isEqualTo("least-latency");
    }

    @Test
    void roundRobinIsANewBalancerEachTime() {
        assertThat(Balancer.named("round-robin")).isNotSameAs(Balancer.named("round-robin"));
    }

    @Test
    void anUnknownNameIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> Balancer.named("fastest")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fastest'").hasMessageContaining("least-active")
                .hasMessageContaining("round-robin").hasMessageContaining("random");
        assertThatThrownBy(() -> Balancer.named(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBalancerOfItsOwnIsNamedByItsClass() {
        Balancer mine = new Balancer() {
            @Override
            public <S extends Candidate> S pick(java.util.List<S> candidates) {
                return candidates.get(0);
            }
        };
        assertThat(mine.name()).isEqualTo(mine.getClass().getName());
    }
}
