package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared source machinery on a clock moved by hand, over a real pool (no connection needed). */
class ServerSourceSupportTest {

    private static final ServerAddress CONFIGURED = ServerAddress.of("10.0.0.9", 80);
    private static final ServerAddress A = ServerAddress.of("10.0.0.1", 80);
    private static final ServerAddress B = ServerAddress.of("10.0.0.2", 80);
    private static final ServerAddress C = ServerAddress.of("10.0.0.3", 80);
    private static final Duration DELAY = Duration.ofSeconds(30);

    private final ManualSourceClock clock = new ManualSourceClock();
    private final List<ServerAddress> drained = new CopyOnWriteArrayList<>();
    private final MultiPool<SocketConnection> pool = MultiPool.builder(SocketConnectionFactory.builder().build())
            .name("support").servers(List.of(CONFIGURED)).listener(new PoolListener() {
                @Override
                public void serverRemoved(String pool, ServerAddress server) {
                    drained.add(server);
                }
            }).build();
    private final ServerSourceSupport support = ServerSourceSupport.builder(pool, "test", "the-target")
            .removalDelay(DELAY).clock(clock).build();

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void theFirstAnswerReplacesTheConfiguredServersAndAdditionsApplyAtOnce() {
        support.start();
        assertThat(support.state().synced()).isFalse();
        assertThat(support.answered(List.of(A), List.of())).isEmpty();
        assertThat(pool.servers()).containsExactly(A);
        assertThat(drained).containsExactly(CONFIGURED);

        support.answered(List.of(A, B), List.of("junk: not host:port"));
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);
        ServerSourceState state = support.state();
        assertThat(state.kind()).isEqualTo("test");
        assertThat(state.target()).isEqualTo("the-target");
        assertThat(state.connected()).isTrue();
        assertThat(state.synced()).isTrue();
        assertThat(state.lastUpdate()).isEqualTo(clock.instant());
        assertThat(state.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(state.skipped()).containsExactly("junk: not host:port");
        assertThat(state.lastError()).isNull();
    }

    @Test
    void aMissingServerIsDrainedOnlyAfterTheDelayAndAnAnswerListingItCancels() {
        support.start();
        support.answered(List.of(A, B, C), List.of());
        Optional<Duration> next = support.answered(List.of(A, B), List.of());
        assertThat(next).contains(DELAY);
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B, C);
        assertThat(support.state().removing()).containsExactly(C);
        assertThat(support.state().servers()).containsExactlyInAnyOrder(A, B);

        clock.advance(DELAY.minusSeconds(1));
        support.answered(List.of(A, B, C), List.of()); // back: cancelled
        assertThat(support.state().removing()).isEmpty();
        support.answered(List.of(A, C), List.of()); // B missing from now
        clock.advance(DELAY.minusMillis(1));
        assertThat(support.answered(List.of(A, C), List.of())).contains(Duration.ofMillis(1));
        assertThat(pool.servers()).contains(B);

        clock.advance(Duration.ofMillis(1));
        assertThat(support.answered(List.of(A, C), List.of())).isEmpty();
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, C);
        assertThat(drained).containsExactly(CONFIGURED, B);
    }

    @Test
    void anOutageKeepsTheLastListAndTheDelayStartsOverWhenTheRegistryIsBack() {
        support.start();
        support.answered(List.of(A, B), List.of());
        support.answered(List.of(A), List.of()); // B missing
        clock.advance(Duration.ofSeconds(20));

        support.unreachable("the registry went away");
        support.unreachable("the registry went away"); // logged once; the same outage
        ServerSourceState away = support.state();
        assertThat(away.connected()).isFalse();
        assertThat(away.lastError()).contains("the registry went away").contains("keeps the last known servers");
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);

        clock.advance(Duration.ofSeconds(20)); // 40 s missing, but the registry is back only now
        support.reachable();
        assertThat(support.answered(List.of(A), List.of())).contains(DELAY);
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);
        assertThat(support.state().connected()).isTrue();
        assertThat(support.state().lastError()).isNull();
        clock.advance(DELAY);
        support.answered(List.of(A), List.of());
        assertThat(pool.servers()).containsExactly(A);
    }

    @Test
    void anAnswerAfterAnOutageEndsItAndGetsTheGraceToo() {
        support.start();
        support.answered(List.of(A, B), List.of());
        support.unreachable("no answer");
        clock.advance(DELAY.multipliedBy(2));
        support.answered(List.of(A), List.of()); // the registry answers again: a reconnection
        assertThat(support.state().connected()).isTrue();
        assertThat(pool.servers()).containsExactlyInAnyOrder(A, B);
    }

    @Test
    void aFailureIsShownUntilTheNextAnswerAndKeepsTheServers() {
        support.start();
        support.answered(List.of(A), List.of());
        support.failed("path /x does not exist");
        assertThat(support.state().lastError()).isEqualTo("path /x does not exist");
        assertThat(support.state().connected()).isTrue();
        assertThat(pool.servers()).containsExactly(A);
        support.answered(List.of(A), List.of());
        assertThat(support.state().lastError()).isNull();
    }

    @Test
    void answersAfterCloseAreIgnored() {
        support.start();
        support.answered(List.of(A), List.of());
        assertThat(support.close()).isTrue();
        assertThat(support.close()).isFalse();
        assertThat(support.answered(List.of(B), List.of())).isEmpty();
        assertThat(pool.servers()).containsExactly(A);
        assertThat(support.closed()).isTrue();
        assertThatThrownBy(support::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void startingTwiceIsRefused() {
        support.start();
        assertThatThrownBy(support::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("started already");
    }

    @Test
    void aClosedPoolIsReported() {
        support.start();
        pool.close();
        assertThatThrownBy(() -> support.answered(List.of(A), List.of())).isInstanceOf(PoolClosedException.class);
    }

    @Test
    void zeroFollowsTheRegistryAtOnce() {
        ServerSourceSupport now = ServerSourceSupport.builder(pool, "test", "t").removalDelay(Duration.ZERO)
                .clock(clock).build();
        now.start();
        now.answered(List.of(A, B), List.of());
        now.answered(List.of(A), List.of());
        assertThat(pool.servers()).containsExactly(A);
        assertThat(now.removalDelay()).isZero();
    }

    @Test
    void theRemovalDelayIsCheckedOnceForEverySource() {
        assertThat(ServerSourceSupport.builder(pool, "test", "t").build().removalDelay())
                .isEqualTo(ServerSourceSupport.DEFAULT_REMOVAL_DELAY);
        assertThatThrownBy(() -> ServerSourceSupport.builder(pool, "test", "t").removalDelay(Duration.ofSeconds(-1))
                .build()).isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.setting()).isEqualTo("removal-delay");
                    assertThat(e.value()).isEqualTo("PT-1S");
                    assertThat(e.reason()).contains("zero").contains("positive");
                });
        assertThatThrownBy(() -> ServerSourceSupport.checkRemovalDelay("p", "discovery.dns.removal-delay", null))
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.setting()).isEqualTo("discovery.dns.removal-delay"));
        assertThat(Set.of(ServerSourceSupport.checkRemovalDelay("p", "k", Duration.ZERO))).containsExactly(Duration.ZERO);
    }
}
