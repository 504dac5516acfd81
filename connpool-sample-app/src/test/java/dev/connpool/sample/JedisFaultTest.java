package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.connpool.FailureKind;
import dev.connpool.NoServerAvailableException;
import dev.connpool.ServerAddress;
import dev.connpool.ServerState;
import dev.connpool.ServerStateChange;
import dev.connpool.ServerStats;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The pool with the real Jedis client (the sample's {@link RedisConnectionFactory}) over three real
 * {@code redis-server} processes, under 16 threads of {@code execute} and pinned {@code execute(server, work)},
 * and one fault at a time on one server: every connection killed ({@code CLIENT KILL ID}, each one), the process
 * killed (SIGKILL) and started again, the process frozen for 2 s (SIGSTOP, SIGCONT), the server busy for 2 s
 * ({@code DEBUG SLEEP 2}). Each test prints a line of figures; {@link JedisFaultRun#close()} checks the books
 * and that nothing is left open.
 *
 * <p>Needs {@code redis-server} (Debian's package; {@code .ci/run} installs it) and fails without it. The
 * servers run with {@code --enable-debug-command local} (Redis 7 refuses {@code DEBUG} otherwise).
 */
class JedisFaultTest {

    /** Jedis has no DEBUG command of its own. */
    private static final ProtocolCommand DEBUG = () -> "DEBUG".getBytes(StandardCharsets.US_ASCII);
    private static final Duration FREEZE = Duration.ofSeconds(2);
    private static final long CALLS_AFTER = 3_000;
    private static final long SERVED_AFTER = 300;

    private static RedisProcesses redis;
    private static final List<Integer> PORTS = new ArrayList<>();

    private JedisFaultRun run;

    @BeforeAll
    static void startRedisServers() throws IOException {
        redis = RedisProcesses.locate();
        String[] allowDebug = redis.allowDebugCommand();
        for (int i = 0; i < 3; i++) {
            PORTS.add(redis.startOnFreePort(allowDebug));
        }
    }

    @AfterAll
    static void stopRedisServers() {
        if (redis != null) {
            redis.close();
            assertThat(redis.anyAlive()).as("a redis-server of this test still runs").isFalse();
        }
    }

    @BeforeEach
    void startLoad() {
        run = JedisFaultRun.start(PORTS);
    }

    @AfterEach
    void closePool() {
        run.close();
    }

    @Test
    void clientKillOfEveryConnectionCostsNoCallAndEjectsNothing() {
        ServerAddress victim = run.server(1);
        JedisFaultRun.Mark kill = run.mark(victim);
        long killed;
        try (Jedis admin = JedisFaultRun.admin(victim)) {
            // the connections that exist at the fault, each by its id: one CLIENT KILL TYPE normal also took
            // connections the pool was opening in the same instant (a new connection broke: charged, failed once)
            long self = (Long) admin.sendCommand(Protocol.Command.CLIENT, "ID");
            String list = new String((byte[]) admin.sendCommand(Protocol.Command.CLIENT, "LIST", "TYPE", "normal"),
                    StandardCharsets.UTF_8);
            killed = 0;
            for (java.util.regex.Matcher id = java.util.regex.Pattern.compile("\\bid=(\\d+)").matcher(list); id.find(); ) {
                if (Long.parseLong(id.group(1)) != self) {
                    killed += (Long) admin.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", id.group(1));
                }
            }
        }
        run.awaitCallsAfter(kill, CALLS_AFTER, SERVED_AFTER);
        run.figures("CLIENT KILL ID, each connection", victim, kill.nanos());

        assertThat(killed).as("connections of the pool killed").isPositive();
        List<JedisLoad.FailedAttempt> broken = run.load.failedAttempts(victim, kill.nanos());
        assertThat(broken).as("works that found their connection killed").isNotEmpty()
                .allSatisfy(f -> assertThat(run.factory.classify(victim, f.error())).as(f.error().toString())
                        .isEqualTo(FailureKind.CONNECTION));
        assertThat(run.load.failedCalls()).as("failed calls").isEmpty();
        assertThat(run.ejections(null)).as("ejections").isEmpty();
        ServerStats stats = run.stats(victim);
        assertThat(stats.ejections()).isZero();
        assertThat(stats.history()).as("state changes of " + victim).extracting(ServerStateChange::reason)
                .containsExactly("added");
    }

    @Test
    void aKilledServerIsEjectedAndAfterItsRestartAtMostTwoAttemptsFailThere() throws IOException {
        ServerAddress victim = run.server(2);
        JedisFaultRun.Mark kill = run.mark(victim);
        assertThat(redis.kill(victim.port())).as("exit value of redis-server ended by SIGKILL (128 + 9)").isEqualTo(137);
        // Down long enough for its trial to fail on a refused connect: ejected again, for twice as long.
        await(victim + " ejected twice").atMost(JedisFaultRun.PATIENCE).until(() -> run.ejections(victim).size() >= 2);
        run.awaitCallsAfter(kill, CALLS_AFTER, 0);

        redis.restart(victim.port());
        JedisFaultRun.Mark up = run.mark(victim);
        run.awaitActive(victim);
        run.awaitCallsAfter(up, CALLS_AFTER, SERVED_AFTER);
        run.figures("SIGKILL + restart", victim, up.nanos());
        System.out.printf("figures | SIGKILL + restart      | pinned errors after the restart (ejection not over yet): %d"
                + " | re-admitted %d ms after the restart%n", run.load.failedCalls().stream()
                        .filter(f -> f.startNanos() - up.nanos() > 0).count(),
                TimeUnit.NANOSECONDS.toMillis(run.lastReadmission(victim) - up.nanos()));

        List<JedisLoad.FailedCall> failed = run.load.failedCalls();
        assertThat(failed).as("failed execute calls").noneMatch(f -> !f.pinned());
        Long readmitted = run.lastReadmission(victim);
        assertThat(readmitted).as("re-admission of " + victim + " after its restart").isNotNull()
                .isGreaterThan(up.nanos());
        // Pinned calls fail only on the killed server, and only until it is back: refused connects, then its
        // ejection (which, after the restart, lasts at most ejection.max-time, 1 s).
        assertThat(failed).as("failed pinned calls").allSatisfy(f -> {
            assertThat(f.target()).isEqualTo(victim);
            assertThat(f.startNanos()).as("started before the re-admission").isLessThan(readmitted);
            if (f.startNanos() - up.nanos() > 0) {
                assertThat(f.error()).as("after the restart only the ejection refuses a call")
                        .isInstanceOf(NoServerAvailableException.class);
            }
        });
        long failedThereAfterRestart = run.load.failedAttempts(victim, up.nanos()).size()
                + run.factory.failedConnects(victim, up.nanos());
        assertThat(failedThereAfterRestart).as("failed attempts on " + victim + " after its restart").isLessThanOrEqualTo(2);
        assertThat(run.ejections(null)).as("ejections").allMatch(e -> e.server().equals(victim));
    }

    @Test
    void aFrozenServerIsEjectedAndNoExecuteWaitsLongerThanOneReadTimeout() throws Exception {
        ServerAddress victim = run.server(0);
        JedisFaultRun.Mark freeze = run.mark(victim);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        redis.pause(victim.port());
        try {
            ScheduledFuture<?> thaw = timer.schedule(() -> redis.resume(victim.port()), FREEZE.toMillis(),
                    TimeUnit.MILLISECONDS);
            await("SIGCONT after " + FREEZE).atMost(JedisFaultRun.PATIENCE).until(thaw::isDone);
            thaw.get(); // a SIGCONT that failed fails the test
        } finally {
            timer.shutdownNow();
            if (redis.isPaused(victim.port())) {
                redis.resume(victim.port());
            }
        }
        JedisFaultRun.Mark thaw = run.mark(victim);
        run.awaitCallsAfter(thaw, CALLS_AFTER, SERVED_AFTER);
        run.figures("SIGSTOP 2 s", victim, freeze.nanos());

        assertThat(run.ejections(victim)).as("ejections of " + victim).isNotEmpty()
                .allMatch(e -> e.nanos() - freeze.nanos() > 0);
        assertThat(run.ejections(null)).as("ejections").allMatch(e -> e.server().equals(victim));
        assertNoExecuteWaitedOutMoreThanOneReadTimeout();
        assertThat(run.load.failedCalls()).as("failed calls: none of execute, pinned ones only to " + victim)
                .allMatch(f -> f.pinned() && f.target().equals(victim));
        // the factory's probe is a PING round trip: a frozen redis is re-admitted by the pool's own trial only
        assertThat(run.stats(victim).history()).as("state changes of " + victim)
                .filteredOn(c -> c.to() == ServerState.ACTIVE && c.from() != null)
                .isNotEmpty().allSatisfy(c -> assertThat(c.origin()).as(c.toString()).isEqualTo(ServerStateChange.Origin.PROBE));
    }

    @Test
    void aServerInDebugSleepIsChargedForBeingSlowNotForBrokenConnections() {
        ServerAddress victim = run.server(1);
        JedisFaultRun.Mark sleep = run.mark(victim);
        try (Jedis admin = JedisFaultRun.admin(victim)) {
            assertThat(admin.sendCommand(DEBUG, "SLEEP", Long.toString(FREEZE.toSeconds())))
                    .as("DEBUG SLEEP's reply").isNotNull(); // returns once the server is awake again
        }
        JedisFaultRun.Mark awake = run.mark(victim);
        assertThat(awake.nanos() - sleep.nanos()).as("time DEBUG SLEEP took").isGreaterThanOrEqualTo(FREEZE.toNanos() * 9 / 10);
        run.awaitCallsAfter(awake, CALLS_AFTER, SERVED_AFTER);
        run.figures("DEBUG SLEEP 2", victim, sleep.nanos());

        assertThat(run.load.failedCalls()).as("failed calls: none of execute, pinned ones only to " + victim)
                .allMatch(f -> f.pinned() && f.target().equals(victim));
        List<JedisLoad.FailedAttempt> slow = run.load.failedAttempts(victim, sleep.nanos());
        assertThat(slow).as("works that timed out on " + victim).isNotEmpty().allSatisfy(f -> {
            assertThat(f.error()).isInstanceOf(JedisConnectionException.class).hasRootCauseInstanceOf(SocketTimeoutException.class);
            assertThat(run.factory.classify(victim, f.error())).isEqualTo(FailureKind.SERVER);
        });
        List<ServerStateChange> history = run.stats(victim).history();
        assertThat(history).as("state changes of " + victim).anySatisfy(change -> {
            assertThat(change.origin()).isEqualTo(ServerStateChange.Origin.TRAFFIC);
            assertThat(change.reason()).isEqualTo("failures in a row");
            assertThat(change.kind()).isEqualTo(FailureKind.SERVER);
            assertThat(change.exception()).isEqualTo(JedisConnectionException.class.getName());
        }).noneMatch(change -> change.kind() == FailureKind.CONNECTION);
        assertThat(run.ejections(null)).as("ejections").allMatch(e -> e.server().equals(victim));
        assertNoExecuteWaitedOutMoreThanOneReadTimeout();
    }

    /**
     * No {@code execute} waited out more than one timeout: counted, each call's timed-out works and connects,
     * and timed, under two read timeouts. (The bound was one read timeout + 200 ms: the one timeout takes 500
     * ms, so a thread descheduled for 200 ms on a busy CI machine after it failed it.)
     */
    private void assertNoExecuteWaitedOutMoreThanOneReadTimeout() {
        assertThat(run.load.mostTimeoutsInOneExecute()).as("most timeouts one execute waited out")
                .isLessThanOrEqualTo(1);
        assertThat(run.load.worstExecuteMillis()).as("worst execute (ms)")
                .isLessThan(2 * JedisFaultRun.READ_TIMEOUT.toMillis());
    }
}
