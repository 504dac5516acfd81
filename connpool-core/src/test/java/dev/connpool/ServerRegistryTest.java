package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The health state machine on a fake clock: ejection, its back-off and cap, trials, decay, max-percent. */
class ServerRegistryTest {

    private static final ConnectionFactory<Object> NO_FACTORY = new ConnectionFactory<>() {
        @Override
        public Object create(ServerAddress server) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void destroy(ServerAddress server, Object connection) {
        }
    };

    private final FakeClock clock = new FakeClock();
    private final List<String> actions = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    /** The settings and members of the last registry made. */
    private PoolSettings settings;
    private ServerMembers members;

    private ServerPicker picker(ServerRegistry registry, Balancer balancer) {
        return new ServerPicker(members, new SlowStart(settings, clock, members), balancer, new PoolErrors("reg"),
                settings.ejection(), settings.limits().maxActive(), clock, false); // no health probes
    }

    private ServerRegistry registry(int failures, int maxPercent, String... servers) {
        return registry(true, failures, maxPercent, servers);
    }

    private ServerRegistry registry(boolean trialsByLease, int failures, int maxPercent, String... servers) {
        settings = MultiPool.builder(NO_FACTORY).name("reg")
                .ejection(failures, Duration.ofSeconds(1), Duration.ofSeconds(10), maxPercent).settings();
        members = new ServerMembers(trialsByLease);
        Listeners listeners = new Listeners("reg", List.of(new PoolListener() {
            @Override
            public void serverEjected(String pool, ServerAddress server, Duration duration, Throwable lastFailure) {
                events.add("ejected " + server + " " + duration.toMillis());
            }

            @Override
            public void serverReadmitted(String pool, ServerAddress server) {
                events.add("readmitted " + server);
            }
        }));
        ServerRegistry registry = new ServerRegistry(settings, new PoolErrors("reg"), clock, listeners,
                members, new ServerRegistry.Actions() {
            @Override
            public void ejected(ServerRegistry registry, ServerEntry entry, long nanos) {
                actions.add("ejected " + entry.address);
            }

            @Override
            public void probing(ServerRegistry registry, ServerEntry entry) {
                actions.add("probing " + entry.address);
            }

            @Override
            public void usable(ServerRegistry registry, ServerEntry entry) {
                actions.add("usable " + entry.address);
            }

            @Override
            public void draining(ServerRegistry registry, ServerEntry entry) {
                actions.add("draining " + entry.address);
            }
        });
        for (String s : servers) {
            registry.add(ServerAddress.parse(s));
        }
        return registry;
    }

    private static ServerEntry entry(ServerRegistry registry, String server) {
        return registry.get(ServerAddress.parse(server));
    }

    /** Ejects the server (one failure ejects in these tests' registries) and ends its ejection: it is probing. */
    private ServerEntry probing(ServerRegistry registry, String server) {
        ServerEntry e = entry(registry, server);
        fail(registry, e, 1);
        clock.advance(Duration.ofSeconds(1));
        registry.expire(e);
        assertThat(e.state()).isEqualTo(ServerState.PROBING);
        return e;
    }

    private static void fail(ServerRegistry registry, ServerEntry e, int times) {
        for (int i = 0; i < times; i++) {
            registry.failed(e, new IOException("refused"), false);
        }
    }

    @Test
    void ejectsAfterConsecutiveFailuresOnly() {
        ServerRegistry registry = registry(3, 50, "a:1", "b:1", "c:1");
        ServerEntry a = entry(registry, "a:1");
        fail(registry, a, 2);
        a.recordSuccess(); // a lease closed normally ends the streak
        fail(registry, a, 2);
        assertThat(a.state()).isEqualTo(ServerState.ACTIVE);
        fail(registry, a, 1);
        assertThat(a.state()).isEqualTo(ServerState.EJECTED);
        assertThat(a.ejections()).isEqualTo(1);
        assertThat(registry.usable()).extracting(e -> e.address.toString()).containsExactly("b:1", "c:1");
        assertThat(actions).contains("ejected a:1");
        assertThat(events).contains("ejected a:1 1000");
    }

    @Test
    void ejectionTimeDoublesOnEachFailedTrialAndIsCapped() {
        ServerRegistry registry = registry(1, 50, "a:1", "b:1", "c:1");
        ServerEntry a = entry(registry, "a:1");
        fail(registry, a, 1);
        long[] expectedMillis = {1000, 2000, 4000, 8000, 10_000, 10_000};
        for (int i = 0; i < expectedMillis.length; i++) {
            long left = a.ejectedUntilNanos - clock.nanoTime();
            assertThat(Duration.ofNanos(left).toMillis()).as("ejection #%d", i + 1).isEqualTo(expectedMillis[i]);
            assertThat(registry.expire(a)).as("too early").isEqualTo(left);
            clock.advance(Duration.ofNanos(left));
            assertThat(registry.expire(a)).isZero();
            assertThat(a.state()).isEqualTo(ServerState.PROBING);
            assertThat(a.tryStartTrial()).isTrue();
            registry.failed(a, new IOException("still down"), true);
            assertThat(a.state()).isEqualTo(ServerState.EJECTED);
        }
        assertThat(a.ejections()).isEqualTo(7);
    }

    @Test
    void successfulTrialReadmits() {
        ServerRegistry registry = registry(1, 50, "a:1", "b:1");
        ServerEntry a = entry(registry, "a:1");
        fail(registry, a, 1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(registry.expire(a)).isZero();
        assertThat(registry.usable()).contains(a);
        assertThat(a.tryStartTrial()).isTrue();
        assertThat(a.tryStartTrial()).as("one trial at a time").isFalse();
        registry.trialSucceeded(a);
        assertThat(a.state()).isEqualTo(ServerState.ACTIVE);
        assertThat(a.failures()).isZero();
        assertThat(a.tryStartTrial()).as("permit released").isTrue();
        assertThat(events).contains("readmitted a:1");
        assertThat(actions).contains("usable a:1");
    }

    @Test
    void probingServerIsPickedOnlyByTheTrialHolder() {
        ServerRegistry registry = registry(1, 50, "a:1", "b:1");
        ServerEntry a = entry(registry, "a:1");
        ServerEntry b = entry(registry, "b:1");
        fail(registry, a, 1);
        clock.advance(Duration.ofSeconds(1));
        registry.expire(a);
        Balancer alwaysA = new Balancer() {
            @Override
            public <S extends Candidate> S pick(List<S> candidates) {
                return candidates.stream().filter(c -> c.server().toString().equals("a:1")).findFirst().orElse(candidates.get(0));
            }
        };
        assertThat(picker(registry, alwaysA).pick(null, 0)).isSameAs(a);
        assertThat(a.ownsTrial()).isTrue();
        // A second borrower (another thread) cannot take the trial; it gets the other server.
        ServerEntry[] other = new ServerEntry[1];
        Thread t = new Thread(() -> other[0] = picker(registry, alwaysA).pick(null, 0));
        t.start();
        assertThat(joined(t)).isTrue();
        assertThat(other[0]).isSameAs(b);
    }

    @Test
    void ejectionLevelDecaysAfterHealthyStretches() {
        ServerRegistry registry = registry(1, 50, "a:1", "b:1", "c:1");
        ServerEntry a = entry(registry, "a:1");
        fail(registry, a, 1);                               // level 1: 1 s
        clock.advance(Duration.ofSeconds(1));
        registry.expire(a);
        a.tryStartTrial();
        registry.failed(a, null, true);                    // level 2: 2 s
        clock.advance(Duration.ofSeconds(2));
        registry.expire(a);
        a.tryStartTrial();
        registry.trialSucceeded(a);
        fail(registry, a, 1);                               // at once: level 3, 4 s
        assertThat(Duration.ofNanos(a.ejectedUntilNanos - clock.nanoTime())).isEqualTo(Duration.ofSeconds(4));
        clock.advance(Duration.ofSeconds(4));
        registry.expire(a);
        a.tryStartTrial();
        registry.trialSucceeded(a);
        clock.advance(Duration.ofSeconds(20));              // two max-times healthy: level 3 -> 1
        fail(registry, a, 1);                               // level 2: 2 s
        assertThat(Duration.ofNanos(a.ejectedUntilNanos - clock.nanoTime())).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void neverEjectsMoreThanMaxPercent() {
        ServerRegistry registry = registry(1, 50, "a:1", "b:1", "c:1", "d:1");
        for (String s : List.of("a:1", "b:1", "c:1", "d:1")) {
            fail(registry, entry(registry, s), 1);
        }
        assertThat(registry.all()).filteredOn(e -> e.state() == ServerState.EJECTED).hasSize(2);
        assertThat(registry.usable()).hasSize(2);
    }

    @Test
    void zeroPercentNeverEjects() {
        ServerRegistry registry = registry(1, 0, "a:1", "b:1");
        fail(registry, entry(registry, "a:1"), 5);
        assertThat(registry.usable()).hasSize(2);
    }

    @Test
    void withEveryServerFailingTheLeastRecentlyFailedStaysIn() {
        ServerRegistry registry = registry(1, 100, "a:1", "b:1", "c:1");
        ServerEntry a = entry(registry, "a:1");
        ServerEntry b = entry(registry, "b:1");
        ServerEntry c = entry(registry, "c:1");
        fail(registry, a, 1);
        clock.advance(Duration.ofMillis(10));
        fail(registry, b, 1);
        clock.advance(Duration.ofMillis(10));
        assertThat(registry.usable()).containsExactly(c);
        fail(registry, c, 1);  // c is the last one: a, which failed least recently, takes its place
        assertThat(c.state()).isEqualTo(ServerState.EJECTED);
        assertThat(a.state()).isEqualTo(ServerState.PROBING);
        assertThat(actions).as("the housekeeper is told to try it").contains("probing a:1");
        assertThat(registry.usable()).containsExactly(a);
        a.tryStartTrial();
        registry.failed(a, null, true); // a fails its trial: b (least recently failed now) comes in
        assertThat(registry.usable()).containsExactly(b);
        assertThat(registry.all()).filteredOn(e -> e.state().acceptsBorrows()).hasSize(1);
    }

    @Test
    void aProbingServerWhoseTrialFailsWhileTheCapIsReachedIsActiveAndFailingNotLeftOnTrial() {
        ServerRegistry registry = registry(1, 50, "a:1", "b:1", "c:1"); // at most one of three out
        ServerEntry a = entry(registry, "a:1");
        ServerEntry b = entry(registry, "b:1");
        ServerEntry c = entry(registry, "c:1");
        fail(registry, a, 1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(registry.expire(a)).isZero();
        fail(registry, b, 1); // a on trial is not out: b takes the one place
        assertThat(b.state()).isEqualTo(ServerState.EJECTED);
        assertThat(a.tryStartTrial()).isTrue();
        registry.failed(a, new IOException("still hung"), true); // no room to eject a again

        assertThat(a.state()).isEqualTo(ServerState.ACTIVE);
        assertThat(a.failures()).as("failing: not usable").isGreaterThanOrEqualTo(1);
        assertThat(a.ownsTrial()).as("its trial is over").isFalse();
        assertThat(a.history.snapshot(clock.nanoTime(), java.time.Instant.now()).get(0)).satisfies(change -> {
            assertThat(change.from()).isEqualTo(ServerState.PROBING);
            assertThat(change.to()).isEqualTo(ServerState.ACTIVE);
            assertThat(change.reason()).isEqualTo("trial failed");
        });
        assertThat(events).as("not re-admitted").doesNotContain("readmitted a:1");
        Balancer alwaysA = new Balancer() {
            @Override
            public <S extends Candidate> S pick(List<S> candidates) {
                return candidates.stream().filter(x -> x.server().toString().equals("a:1")).findFirst().orElseThrow();
            }
        };
        assertThat(picker(registry, alwaysA).pick(null, 0)).as("c while a's try is not due").isSameAs(c);
        clock.advance(Duration.ofSeconds(1)); // base-time after its failed trial: its try
        assertThat(picker(registry, alwaysA).pick(null, 0)).isSameAs(a);
        assertThat(a.ownsTrial()).as("a try of an active server, no permit").isFalse();

        clock.advance(Duration.ofSeconds(2));
        assertThat(registry.expire(b)).isZero();
        b.tryStartTrial();
        registry.trialSucceeded(b);
        fail(registry, a, 1); // room again: its next failure ejects it, for longer than the first time
        assertThat(a.state()).isEqualTo(ServerState.EJECTED);
        assertThat(Duration.ofNanos(a.ejectedUntilNanos - clock.nanoTime())).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void withBackgroundTrialsAProbingServerIsOfferedToNoBorrower() {
        ServerRegistry registry = registry(false, 1, 50, "a:1", "b:1");
        ServerEntry a = entry(registry, "a:1");
        ServerEntry b = entry(registry, "b:1");
        fail(registry, a, 1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(registry.expire(a)).isZero();
        assertThat(a.state()).isEqualTo(ServerState.PROBING);
        assertThat(registry.usable()).containsExactly(b);
        assertThat(members.lends(a)).isFalse();
        assertThat(a.ownsTrial()).isFalse();
        Balancer first = new Balancer() {
            @Override
            public <S extends Candidate> S pick(List<S> candidates) {
                return candidates.get(0);
            }
        };
        assertThat(picker(registry, first).pick(new ServerEntry[] {b}, 1)).as("b tried already: still not a").isSameAs(b);
        assertThat(a.tryStartTrial()).as("the permit is the housekeeper's to take").isTrue();
        registry.trialSucceeded(a, ServerStateChange.Origin.PROBE);
        assertThat(registry.usable()).containsExactly(a, b);
    }

    @Test
    void withBackgroundTrialsAProbingServerIsOutForTheNeverAllRuleAndTheCap() {
        ServerRegistry registry = registry(false, 1, 50, "a:1", "b:1");
        probing(registry, "a:1"); // the housekeeper's to try: no borrower gets it
        ServerEntry b = entry(registry, "b:1");
        fail(registry, b, 1);
        assertThat(b.state()).as("the only server a borrower may use is not ejected").isEqualTo(ServerState.ACTIVE);
        assertThat(registry.usable()).containsExactly(b);

        ServerRegistry three = registry(false, 1, 50, "a:1", "b:1", "c:1"); // 50% of 3: one out at most
        ServerEntry a3 = probing(three, "a:1");
        fail(three, entry(three, "b:1"), 1);
        assertThat(entry(three, "b:1").state()).as("a probing server counts against the cap").isEqualTo(ServerState.ACTIVE);
        assertThat(a3.tryStartTrial()).isTrue();
        three.failed(a3, new IOException("no answer"), true, ServerStateChange.Origin.PROBE); // out again: no more room than it had
        assertThat(a3.state()).isEqualTo(ServerState.EJECTED);
    }

    @Test
    void withTrialsByLeaseAProbingServerIsUsableSoTheOtherMayBeEjected() {
        ServerRegistry registry = registry(true, 1, 50, "a:1", "b:1");
        ServerEntry a = probing(registry, "a:1"); // a borrower's lease is its trial
        ServerEntry b = entry(registry, "b:1");
        fail(registry, b, 1);
        assertThat(b.state()).isEqualTo(ServerState.EJECTED);
        assertThat(registry.usable()).containsExactly(a);
    }

    @Test
    void aFailingServersTryIsABorrowersUnlessHealthProbesThatProveAnAnswerGiveIt() {
        ServerRegistry registry = registry(false, 1, 50, "a:1", "b:1", "c:1"); // 50% of 3: one out at most
        fail(registry, entry(registry, "a:1"), 1);
        ServerEntry b = entry(registry, "b:1");
        fail(registry, b, 1); // kept in by the cap: failing
        assertThat(b.state()).isEqualTo(ServerState.ACTIVE);
        clock.advance(Duration.ofSeconds(1)); // base-time since its failure: its try is due
        Balancer bFirst = new Balancer() {
            @Override
            public <S extends Candidate> S pick(List<S> candidates) {
                return candidates.stream().filter(c -> c == b).findFirst().orElse(candidates.get(0));
            }
        };
        ServerPicker byProbes = new ServerPicker(members, new SlowStart(settings, clock, members), bFirst,
                new PoolErrors("reg"), settings.ejection(), settings.limits().maxActive(), clock, true);
        for (int i = 0; i < 5; i++) {
            assertThat(byProbes.pick(new ServerEntry[0], 0)).as("no caller's pick of b stands").isNotSameAs(b);
        }
        assertThat(picker(registry, bFirst).pick(new ServerEntry[0], 0)).as("a borrower takes its try").isSameAs(b);
        assertThat(picker(registry, bFirst).pick(new ServerEntry[0], 0)).as("one try per base-time").isNotSameAs(b);
    }

    @Test
    void singleServerIsNeverEjected() {
        ServerRegistry registry = registry(1, 100, "a:1");
        fail(registry, entry(registry, "a:1"), 10);
        assertThat(registry.usable()).hasSize(1);
    }

    @Test
    void pickPrefersServersNotTriedInThisBorrow() {
        ServerRegistry registry = registry(3, 50, "a:1", "b:1", "c:1");
        ServerEntry a = entry(registry, "a:1");
        ServerEntry b = entry(registry, "b:1");
        Balancer first = new Balancer() {
            @Override
            public <S extends Candidate> S pick(List<S> candidates) {
                return candidates.get(0);
            }
        };
        assertThat(picker(registry, first).pick(new ServerEntry[] {a, b}, 2)).isSameAs(entry(registry, "c:1"));
        ServerEntry[] all = {a, b, entry(registry, "c:1")};
        assertThat(picker(registry, first).pick(all, 3)).as("all tried: any usable one").isNotNull();
    }

    @Test
    void removeDrainsAndForgetsOnceLeasesAreBack() {
        ServerRegistry registry = registry(3, 50, "a:1", "b:1");
        ServerEntry a = entry(registry, "a:1");
        a.addLeased(1);
        assertThat(registry.remove(a.address)).isTrue();
        assertThat(registry.remove(a.address)).isFalse();
        assertThat(a.state()).isEqualTo(ServerState.DRAINING);
        assertThat(registry.usable()).extracting(e -> e.address.toString()).containsExactly("b:1");
        registry.finishDrain(a);
        assertThat(registry.get(a.address)).as("a lease is still out").isSameAs(a);
        a.addLeased(-1);
        registry.finishDrain(a);
        assertThat(registry.get(a.address)).isNull();
        assertThat(actions).contains("draining a:1");
    }

    @Test
    void addingADrainingServerRevivesIt() {
        ServerRegistry registry = registry(3, 50, "a:1");
        ServerEntry a = entry(registry, "a:1");
        a.addLeased(1);
        registry.remove(a.address);
        assertThat(registry.add(a.address)).isTrue();
        assertThat(registry.add(a.address)).isFalse();
        assertThat(a.state()).isEqualTo(ServerState.ACTIVE);
        assertThat(registry.usable()).containsExactly(a);
    }

    private static boolean joined(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !t.isAlive();
    }
}
