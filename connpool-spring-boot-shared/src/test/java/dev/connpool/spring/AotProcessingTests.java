package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connpool.Lease;
import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import dev.connpool.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.test.generate.TestGenerationContext;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.test.tools.CompileWithForkedClassLoader;
import org.springframework.core.test.tools.Compiled;
import org.springframework.core.test.tools.TestCompiler;
import org.springframework.javapoet.ClassName;

/**
 * A context with pools processed ahead of time (what {@code spring-boot:process-aot} does), its generated
 * code compiled, and started from that code alone, as {@code -Dspring.aot.enabled=true} starts it: the pools
 * are beans as before, the registrar is gone, and a configuration that differs from the build's fails.
 */
@CompileWithForkedClassLoader
class AotProcessingTests {

    @Test
    void anAotProcessedContextShouldStartWithThePoolsOfTheBuild() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.start()) {
            String[] properties = {"connpool.pools.orders.servers=" + a.address(),
                    "connpool.pools.users.servers=" + b.address(), "connpool.pools.users.primary=true",
                    "connpool.pools.users.balancer=round-robin"};
            Processed processed = process(properties);
            processed.compile(compiled -> {
                MultiPool<?> orders;
                try (GenericApplicationContext context = processed.start(compiled, properties)) {
                    assertThat(context.containsBean("connpoolPoolBeanRegistrar")).as("the registrar left out").isFalse();
                    orders = context.getBean("orders", MultiPool.class);
                    MultiPool<?> users = context.getBean("users", MultiPool.class);
                    assertThat(context.getBean(MultiPool.class)).as("the primary pool").isSameAs(users);
                    assertThat(users.settings().balancer().name()).isEqualTo("round-robin");
                    assertThat(context.getBeanProvider(ResolvableType.forClassWithGenerics(MultiPool.class,
                            SocketConnection.class)).stream()).hasSize(2);
                    assertThat(context.getBean(MultiPoolRegistry.class).names()).containsExactlyInAnyOrder("orders", "users");
                    try (Lease<?> lease = orders.borrow()) {
                        assertThat(lease.server()).isEqualTo(a.address());
                    }
                    // the server counts the accept on its own thread, maybe just after the borrow returned
                    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                            .untilAsserted(() -> assertThat(a.accepted()).isEqualTo(1));
                }
                assertThatThrownBy(orders::borrow).as("closed with the context")
                        .isInstanceOf(dev.connpool.PoolClosedException.class);
            });
        }
    }

    @Test
    void aPoolConfiguredAtRunTimeButNotAtBuildTimeShouldFailStartUpNamingIt() {
        String orders = "connpool.pools.orders.servers=127.0.0.1:9001";
        Processed processed = process(orders);
        processed.compile(compiled -> {
            assertThatThrownBy(() -> processed.start(compiled, orders, "connpool.pools.audit.servers=127.0.0.1:9002"))
                    .isInstanceOfSatisfying(ConnpoolConfigurationException.class, e -> {
                        assertThat(e.property()).isEqualTo("connpool.pools.audit");
                        assertThat(e.reason()).contains("pool 'audit' is configured, but the application was "
                                + "processed ahead of time (AOT) without it").contains("[orders]");
                        assertThat(e.action()).contains("process-aot");
                    });
            assertThatThrownBy(() -> processed.start(compiled, "connpool.pools.audit.servers=127.0.0.1:9002"))
                    .isInstanceOf(ConnpoolConfigurationException.class).hasMessageContaining("connpool.pools.audit");
            assertThatThrownBy(() -> processed.start(compiled))
                    .isInstanceOfSatisfying(ConnpoolConfigurationException.class, e -> assertThat(e.reason())
                            .contains("pool 'orders' was configured when the application was processed ahead of time"));
            assertThatThrownBy(() -> processed.start(compiled, orders, "connpool.pools.orders.primary=true"))
                    .isInstanceOfSatisfying(ConnpoolConfigurationException.class, e -> {
                        assertThat(e.property()).isEqualTo("connpool.pools.orders.primary");
                        assertThat(e.reason()).contains("was false when the application was processed ahead of time");
                    });
        });
    }

    @Test
    void theBuildShouldKeepWhatIsReadReflectively() {
        RuntimeHints hints = process("connpool.pools.orders.servers=127.0.0.1:9001").generation.getRuntimeHints();
        assertThat(BootGeneration.onMethodInvocation(ServerView.class, "server")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(ServerView.Change.class, "reason"))
                .accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(PoolProperties.class, "setPrimary"))
                .as("binding a pool (Spring Boot's hints for the properties)").accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(RetryProperties.class, "setAttempts")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(BackoffProperties.class, "setMin"))
                .as("a group nested in a group").accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(RetryBudgetProperties.class, "setRatio")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(EjectionProperties.class, "setMaxPercent")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(HealthCheckProperties.class, "setInterval")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(AffinityProperties.class, "setAlgorithm")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(HedgeProperties.class, "setDelay")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(SocketProperties.class, "setSslBundle")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(SocketProbeProperties.class, "setRequest")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(LeastLatencyProperties.class, "setDecay")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(SlowStartProperties.class, "setWindow")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(DiscoveryProperties.Zookeeper.class,
                "setFormat")).accepts(hints);
    }

    /** Processes a context with ConnpoolAutoConfiguration and these properties ahead of time. */
    private static Processed process(String... properties) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.register(ConnpoolAutoConfiguration.class);
        TestPropertyValues.of(properties).applyTo(context);
        TestGenerationContext generation = new TestGenerationContext(AotProcessingTests.class);
        ClassName initializer = new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
        generation.writeGeneratedContent();
        return new Processed(generation, initializer);
    }

    private record Processed(TestGenerationContext generation, ClassName initializer) {

        void compile(Consumer<Compiled> compiled) {
            TestCompiler.forSystem().with(generation).compile(compiled);
        }

        /** A fresh context from the generated code alone, with these properties. */
        @SuppressWarnings("unchecked")
        GenericApplicationContext start(Compiled compiled, String... properties) {
            GenericApplicationContext context = new GenericApplicationContext();
            TestPropertyValues.of(new ArrayList<>(List.of(properties))).applyTo(context);
            compiled.getInstance(ApplicationContextInitializer.class, initializer.toString()).initialize(context);
            context.refresh();
            return context;
        }
    }
}
