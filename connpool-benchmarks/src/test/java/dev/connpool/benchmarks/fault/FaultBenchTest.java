package dev.connpool.benchmarks.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.SocketConnectionFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the fault benchmark for a very short phase set on real loopback servers and checks what any run must
 * hold, whatever the machine's speed: every call accounted for, the shares summing to 100%, nothing served by
 * a server that is down, the books of connections even. Not a performance test: no figure is compared with a
 * target.
 */
class FaultBenchTest {

    @Test
    void aShortRunAccountsForEveryCallAndServesNothingFromADownServer() throws Exception {
        FaultOptions options = FaultOptions.parse(new String[] {
            "--balancers", "least-active,round-robin",
            "--phases", "healthy,two-down,hang",
            "--warmup", "100ms", "--measure", "400ms", "--lead", "100ms", "--hang", "300ms", "--watch", "300ms",
            "--read-timeout", "200ms", "--threads", "4"});

        Map<String, Map<Fault, Runs>> results = FaultBench.run(options, r -> { });

        assertThat(results).containsOnlyKeys("least-active", "round-robin");
        for (Map<Fault, Runs> phases : results.values()) {
            assertThat(phases).containsOnlyKeys(Fault.HEALTHY, Fault.TWO_DOWN, Fault.HANG);
            for (Runs runs : phases.values()) {
                PhaseResult r = runs.first();
                assertThat(r.calls()).as("%s %s: calls", r.balancer(), r.fault()).isPositive();
                assertThat(r.started()).as("every started call ended").isEqualTo(r.calls());
                assertThat(r.servedTotal()).as("every call that returned was served by one server")
                        .isEqualTo(r.succeeded());
                assertThat(r.shares().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, offset(1e-9));
                assertThat(r.attempts()).as("at least one attempt per call").isGreaterThanOrEqualTo(r.calls());
                assertThat(r.p50()).isLessThanOrEqualTo(r.p99());
                assertThat(r.p99()).isLessThanOrEqualTo(r.p999());
                assertThat(r.p999()).isLessThanOrEqualTo(r.max());
                assertThat(r.destroyed()).as("every connection opened is destroyed once the pool is closed")
                        .isEqualTo(r.opened());
            }
            PhaseResult healthy = phases.get(Fault.HEALTHY).first();
            assertThat(healthy.failed()).as("no caller error when every server is healthy").isZero();
            assertThat(healthy.served()).doesNotContain(0L);

            PhaseResult twoDown = phases.get(Fault.TWO_DOWN).first();
            assertThat(twoDown.served()[0]).as("server 0 is down").isZero();
            assertThat(twoDown.served()[1]).as("server 1 is down").isZero();
            assertThat(twoDown.share(2)).isEqualTo(1.0);

            PhaseResult hang = phases.get(Fault.HANG).first();
            assertThat(hang.recoveries()).as("the hung server answers again once").hasSize(1);
        }
        String report = FaultBench.report(options, "the command", Instant.now(), results);
        assertThat(report).contains("## least-active", "## round-robin", "| all healthy |", "| two of three down |",
                "equal servers: each share within ±10% of the mean", "two of three servers down: attempts per call");
    }

    @Test
    void theHangPhaseLastsUntilItsServerHasBeenWatched() {
        FaultOptions options = FaultOptions.parse(new String[] {"--measure", "2s", "--lead", "1s", "--hang", "4s",
            "--watch", "4s", "--flap", "2s"});

        assertThat(Fault.HANG.measureFor(options)).isEqualTo(Duration.ofSeconds(9));
        assertThat(Fault.HEALTHY.measureFor(options)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Fault.FLAPPING.events(options)).extracting(Fault.FaultEvent::what)
                .containsExactly("down", "up", "down", "up");
    }

    @Test
    void theFactoryCarriesTheLineProtocolsProbeUnlessToldNot() {
        assertThat(FaultOptions.parse(new String[0]).probeLine()).containsExactly("PING\n", "PONG");
        assertThat(FaultOptions.parse(new String[] {"--probe", "off"}).probeLine()).isNull();
        assertThat(FaultOptions.parse(new String[] {"--probe", "off", "--set", "socket.probe.request=HI",
            "--set", "socket.probe.reply=HO"}).probeLine()).as("socket.probe.* wins").containsExactly("HI", "HO");
        assertThatThrownBy(() -> FaultOptions.parse(new String[] {"--probe", "yes"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--probe takes on or off");
    }

    @Test
    void settingsReachTheBuilderByTheirYamlKey() {
        assertThat(BuilderSettings.candidateNames("retry.backoff.min")).containsExactly("retryBackoffMin", "backoffMin");
        assertThat(BuilderSettings.candidateNames("slow-start.window")).containsExactly("slowStartWindow");
        assertThat(BuilderSettings.setters("ejection.base-time")).extracting(m -> m.getName())
                .containsExactly("ejectionBaseTime");
        assertThat(BuilderSettings.setters("retry.backoff.min")).extracting(m -> m.getName())
                .containsExactly("backoffMin");
        assertThat(BuilderSettings.duration("x", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(BuilderSettings.convert("r", double.class, "20%", List.of())).isEqualTo(0.2);

        MultiPool.Builder<SocketConnection> builder = MultiPool.builder(SocketConnectionFactory.builder().build());
        assertThatThrownBy(() -> BuilderSettings.apply(builder, Map.of("no-such.setting", "1")))
                .hasMessageContaining("no-such.setting");
        assertThatThrownBy(() -> BuilderSettings.apply(builder, Map.of("max-active", "many")))
                .hasMessageContaining("max-active").hasMessageContaining("many");
        assertThatThrownBy(() -> FaultOptions.parse(new String[] {"--balancers", "fastest"}))
                .hasMessageContaining("fastest");
    }
}
