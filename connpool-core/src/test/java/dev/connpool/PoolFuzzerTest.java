package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded, deterministic fuzzer in the manner of httpcore5's {@code TestConnPoolDeterministicFuzzer}: one
 * thread drives random sequences of borrow / borrow(server) / borrowNew / return / invalidate / eject /
 * readmit / add / remove / retainIdle / server down and up / a broken idle connection / clock advance /
 * maintenance over an in-memory factory and a fake clock, for every balancer, with and without a pool-wide
 * max-total, and checks after every step that
 * <ul>
 *   <li>per server, {@code created - destroyed == active + idle}, and {@code active} is exactly the number of
 *       leases the fuzzer holds on that server;</li>
 *   <li>no server holds more than max-active connections nor more than max-idle idle ones, and the pool no
 *       more than max-total;</li>
 *   <li>a removed server is gone once its last lease came back;</li>
 *   <li>no connection is lent twice, destroyed twice, destroyed while lent, or destroyed unmade;</li>
 *   <li>after maintenance, no idle connection is past max-lifetime, nor idle past idle-timeout beyond
 *       min-idle;</li>
 * </ul>
 * and after {@code close()} that every connection made was destroyed. No socket, no sleep, no background
 * thread: the housekeeping runs only when the fuzzer says so. A failure names its seed; run that one
 * again with {@code -Dfuzz.seed=N}.
 */
class PoolFuzzerTest {

    private static final int STEPS = 600;
    private static final int SEEDS_PER_CASE = 12;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MAX_LIFETIME = Duration.ofSeconds(40);
    private static final int MAX_ACTIVE = 3;

    static Stream<Arguments> cases() {
        String only = System.getProperty("fuzz.seed");
        List<Arguments> cases = new ArrayList<>();
        for (String balancer : Balancer.NAMES) {
            for (int maxTotal : new int[] {-1, 5}) {
                if (only != null) {
                    cases.add(Arguments.of(balancer, maxTotal, Long.parseLong(only)));
                    continue;
                }
                for (int i = 0; i < SEEDS_PER_CASE; i++) {
                    cases.add(Arguments.of(balancer, maxTotal, (long) (balancer.hashCode() * 31 + maxTotal) * 1000 + i));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, max-total {1}, seed {2}")
    @MethodSource("cases")
    void invariantsHoldAfterEveryStep(String balancer, int maxTotal, long seed) {
        new Run(balancer, maxTotal, seed).go();
    }

    /** One seeded sequence. */
    private static final class Run {
        private final long seed;
        private final Random random;
        private final FakeClock clock = new FakeClock();
        private final ManualScheduler housekeeping = new ManualScheduler(clock);
        private final MemoryFactory factory = new MemoryFactory(clock);
        private final List<ServerAddress> universe = new ArrayList<>();
        private final List<Lease<MemoryFactory.Connection>> leases = new ArrayList<>();
        private final int maxTotal;
        private final int minIdle;
        private final int maxIdle;
        private final MultiPool<MemoryFactory.Connection> pool;
        private final List<String> trail = new ArrayList<>();

        Run(String balancer, int maxTotal, long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.maxTotal = maxTotal;
            for (int i = 0; i < 5; i++) {
                universe.add(ServerAddress.of("10.0.0." + (i + 1), 7000));
            }
            this.minIdle = random.nextInt(2);
            this.maxIdle = Math.max(minIdle, 1 + random.nextInt(MAX_ACTIVE));
            this.pool = MultiPool.builder(factory).name("fuzz-" + seed).clock(clock).scheduler(housekeeping)
                    .random(new Random(seed)) // the health probes' jitter: a run replays
                    .servers(universe.subList(0, 3))
                    .balancer(Balancer.named(balancer))
                    .maxActive(MAX_ACTIVE).maxIdle(maxIdle).minIdle(minIdle).maxTotal(maxTotal)
                    .maxWait(Duration.ZERO)
                    .idleTimeout(IDLE_TIMEOUT).maxLifetime(MAX_LIFETIME)
                    .retryAttempts(2).backoff(Duration.ofMillis(5), Duration.ofMillis(20), 2.0, 0.0)
                    .ejection(2, Duration.ofSeconds(1), Duration.ofSeconds(8), 50)
                    .shutdownTimeout(Duration.ZERO).build();
        }

        void go() {
            int step = 0;
            try {
                for (step = 1; step <= STEPS; step++) {
                    String op = step();
                    trail.add(op);
                    check();
                }
                for (Lease<MemoryFactory.Connection> lease : leases) {
                    lease.connection().lent = false; // close() closes what is still out; that is allowed
                }
                long lent = trail.stream().filter(op -> op.startsWith("borrow") && op.contains("-> conn#")).count();
                assertThat(lent).as("leases made: the sequence must exercise the pool").isGreaterThan(STEPS / 20);
                if (System.getProperty("fuzz.seed") != null) {
                    trail.forEach(System.out::println);
                    System.out.println(pool.stats());
                }
                pool.close();
                assertThat(factory.errors).as("factory errors").isEmpty();
                assertThat(factory.live).as("connections left open after close()").isEmpty();
            } catch (AssertionError | RuntimeException e) {
                int from = Math.max(0, trail.size() - 12);
                throw new AssertionError("fuzz seed " + seed + " failed at step " + step + " (rerun with -Dfuzz.seed="
                        + seed + "); last steps: " + trail.subList(from, trail.size()) + "; pool " + pool.stats(), e);
            }
        }

        private String step() {
            int dice = random.nextInt(100);
            if (dice < 20) {
                return borrow("borrow()", pool::borrow);
            }
            if (dice < 30) {
                ServerAddress s = any();
                return borrow("borrow(" + s + ")", () -> pool.borrow(s));
            }
            if (dice < 35) {
                ServerAddress s = any();
                for (MemoryFactory.Connection c : factory.liveOf(s)) {
                    if (!c.lent) {
                        c.idleSinceNanos = clock.nanoTime(); // borrowNew takes idle ones aside and gives them back
                    }
                }
                return borrow("borrowNew(" + s + ")", () -> pool.borrowNew(s));
            }
            if (dice < 55) {
                return giveBack(false);
            }
            if (dice < 62) {
                return giveBack(true);
            }
            if (dice < 65) {
                ServerAddress s = any();
                return "eject(" + s + ") " + tolerate(() -> pool.eject(s));
            }
            if (dice < 68) {
                ServerAddress s = any();
                return "readmit(" + s + ") " + tolerate(() -> pool.readmit(s));
            }
            if (dice < 71) {
                ServerAddress s = any();
                pool.addServer(s);
                return "add(" + s + ")";
            }
            if (dice < 74) {
                ServerAddress s = any();
                return "remove(" + s + ") " + pool.removeServer(s);
            }
            if (dice < 76) {
                int keep = random.nextInt(3);
                pool.retainIdle(keep);
                return "retainIdle(" + keep + ")";
            }
            if (dice < 80) {
                ServerAddress s = any();
                boolean down = random.nextInt(3) == 0; // up more often than down: most servers work most of the time
                factory.down(s, down);
                return (down ? "down(" : "up(") + s + ")";
            }
            if (dice < 83) {
                List<MemoryFactory.Connection> idle = new ArrayList<>();
                for (MemoryFactory.Connection c : factory.live) {
                    if (!c.lent) {
                        idle.add(c);
                    }
                }
                if (idle.isEmpty()) {
                    return "break: nothing idle";
                }
                MemoryFactory.Connection c = idle.get(random.nextInt(idle.size()));
                c.broken = true;
                return "break(" + c + ")";
            }
            if (dice < 92) {
                long millis = random.nextInt(4) == 0 ? random.nextInt(25_000) : random.nextInt(1_500);
                int ran = advance(millis);
                return "advance(" + millis + " ms, " + ran + " housekeeping task(s))";
            }
            return "maintain: " + housekeeping.runDue() + " task(s)";
        }

        /**
         * Moves the clock as time passes for a pool: in steps of at most one housekeeping interval, the
         * housekeeping that came due running after each step.
         */
        private int advance(long millis) {
            long left = Duration.ofMillis(millis).toNanos();
            long step = pool.settings().housekeepingInterval().toNanos();
            int ran = 0;
            while (left > 0) {
                long now = Math.min(step, left);
                clock.advance(Duration.ofNanos(now));
                left -= now;
                ran += housekeeping.runDue();
            }
            return ran;
        }

        private String borrow(String op, Supplier<Lease<MemoryFactory.Connection>> borrow) {
            Lease<MemoryFactory.Connection> lease;
            try {
                lease = borrow.get();
            } catch (NoServerAvailableException | PoolTimeoutException | ConnectFailedException e) {
                return op + " -> " + e.getClass().getSimpleName();
            }
            MemoryFactory.Connection c = lease.connection();
            assertThat(c.lent).as("%s lent twice", c).isFalse();
            assertThat(c.destroyed).as("%s lent after destroy", c).isFalse();
            assertThat(c.server).as("the lease's server").isEqualTo(lease.server());
            c.lent = true;
            leases.add(lease);
            return op + " -> " + c;
        }

        private String giveBack(boolean invalidate) {
            if (leases.isEmpty()) {
                return invalidate ? "invalidate: no lease" : "close: no lease";
            }
            Lease<MemoryFactory.Connection> lease = leases.remove(random.nextInt(leases.size()));
            MemoryFactory.Connection c = lease.connection();
            c.lent = false;
            c.idleSinceNanos = clock.nanoTime();
            if (invalidate) {
                lease.invalidate();
            } else {
                lease.close();
            }
            return (invalidate ? "invalidate(" : "close(") + c + ")";
        }

        private static String tolerate(Supplier<Boolean> action) {
            try {
                return String.valueOf(action.get());
            } catch (NoServerAvailableException e) {
                return "not a member";
            }
        }

        private ServerAddress any() {
            return universe.get(random.nextInt(universe.size()));
        }

        private void check() {
            assertThat(factory.errors).as("factory errors").isEmpty();
            Set<MemoryFactory.Connection> held = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Lease<MemoryFactory.Connection> lease : leases) {
                assertThat(held.add(lease.connection())).as("two leases on %s", lease.connection()).isTrue();
            }
            PoolStats stats = pool.stats();
            int total = 0;
            for (ServerStats s : stats.servers()) {
                long open = s.created() - s.destroyed();
                assertThat(open).as("created - destroyed == active + idle of %s", s).isEqualTo(s.active() + s.idle());
                assertThat(open).as("max-active of %s", s).isLessThanOrEqualTo(MAX_ACTIVE);
                assertThat(s.idle()).as("max-idle of %s", s).isLessThanOrEqualTo(maxIdle);
                long mine = leases.stream().filter(l -> l.server().equals(s.server())).count();
                assertThat((long) s.active()).as("active of %s is the fuzzer's leases on it", s).isEqualTo(mine);
                if (mine == 0) {
                    assertThat(s.state()).as("a removed server with no lease out is gone: %s", s)
                            .isNotEqualTo(ServerState.DRAINING);
                }
                assertThat(factory.liveOf(s.server())).as("live connections of %s", s.server()).hasSize((int) open);
                total += (int) open;
            }
            for (ServerAddress server : universe) {
                if (stats.server(server) == null) {
                    assertThat(factory.liveOf(server)).as("live connections of %s, not in the pool", server).isEmpty();
                }
            }
            if (maxTotal > 0) {
                assertThat(total).as("max-total").isLessThanOrEqualTo(maxTotal);
            }
            checkIdleLimits();
        }

        /**
         * Idle connections are looked at once per housekeeping interval, and an idle one's time counts from the
         * first look that finds it idle: so one is closed at most two intervals after it went over idle-timeout
         * or max-lifetime (the Builder's documented precision is one interval after the first look).
         */
        private void checkIdleLimits() {
            long now = clock.nanoTime();
            long slack = 2 * pool.settings().housekeepingInterval().toNanos();
            Map<ServerAddress, Integer> overIdle = new java.util.HashMap<>();
            for (MemoryFactory.Connection c : factory.live) {
                if (c.lent) {
                    continue;
                }
                assertThat(now - c.createdNanos).as("age of idle %s", c)
                        .isLessThanOrEqualTo(MAX_LIFETIME.toNanos() + slack);
                if (now - c.idleSinceNanos > IDLE_TIMEOUT.toNanos() + slack) {
                    overIdle.merge(c.server, 1, Integer::sum);
                }
            }
            overIdle.forEach((server, count) -> assertThat(count)
                    .as("connections of %s idle past idle-timeout (min-idle %d)", server, minIdle)
                    .isLessThanOrEqualTo(minIdle));
        }
    }
}
