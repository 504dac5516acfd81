package dev.connpool.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.spring.BootGeneration;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.context.annotation.ImportRuntimeHints;

/** The endpoint's answers are kept for JSON in a native image, registered with its auto-configuration. */
class ConnpoolsEndpointRuntimeHintsTests {

    @Test
    void theAnswersOfEveryOperationShouldBeKeptForJson() {
        RuntimeHints hints = new RuntimeHints();
        new ConnpoolsEndpointRuntimeHints().registerHints(hints, getClass().getClassLoader());
        for (Class<?> type : new Class<?>[] {ConnpoolsEndpoint.ServerActionDescriptor.class,
                ConnpoolsEndpointWebExtension.ErrorDescriptor.class, ConnpoolsEndpoint.PoolsDescriptor.class,
                ConnpoolsEndpoint.PoolDescriptor.class}) {
            assertThat(RuntimeHintsPredicates.reflection().onType(type)).as(type.getName()).accepts(hints);
        }
        assertThat(BootGeneration.onMethodInvocation(ConnpoolsEndpoint.ServerActionDescriptor.class,
                "done")).accepts(hints);
        assertThat(BootGeneration.onMethodInvocation(ConnpoolsEndpointWebExtension.ErrorDescriptor.class,
                "message")).accepts(hints);
        assertThat(ConnpoolEndpointAutoConfiguration.class.getAnnotation(ImportRuntimeHints.class).value())
                .containsExactly(ConnpoolsEndpointRuntimeHints.class);
    }
}
