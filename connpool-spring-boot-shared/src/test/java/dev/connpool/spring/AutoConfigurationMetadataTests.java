package dev.connpool.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.spring.metrics.ConnpoolMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;

/**
 * The autoconfigure annotation processor's META-INF/spring-autoconfigure-metadata.properties: Boot reads each
 * auto-configuration's class conditions and ordering there and skips one whose classes are missing without
 * loading it.
 */
class AutoConfigurationMetadataTests {

    @Test
    void everyAutoConfigurationShouldHaveItsConditionsAndOrderingInTheGeneratedMetadata() throws IOException {
        Properties metadata = ownMetadata();
        List<String> imported = ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader())
                .getCandidates().stream().filter(name -> name.startsWith("dev.connpool.")).toList();
        assertThat(imported).hasSize(4);
        for (String configuration : imported) {
            assertThat(metadata).as(configuration).containsKey(configuration);
        }
        String metrics = ConnpoolMetricsAutoConfiguration.class.getName();
        assertThat(metadata.getProperty(metrics + ".ConditionalOnClass")).contains(MeterRegistry.class.getName());
        assertThat(metadata.getProperty(metrics + ".ConditionalOnBean")).isEqualTo(MeterRegistry.class.getName());
        assertThat(metadata.getProperty(metrics + ".AutoConfigureAfter")).contains(ConnpoolAutoConfiguration.class.getName());
        // after whatever makes the meter registry in this Boot generation, or the meters are silently missing
        for (Class<?> boot : BootGeneration.METER_REGISTRY_AUTO_CONFIGURATIONS) {
            assertThat(metadata.getProperty(metrics + ".AutoConfigureAfter")).contains(boot.getName());
        }
        assertThat(metadata.getProperty(metrics + ".AutoConfigureAfter"))
                .contains(BootGeneration.METRICS_AUTO_CONFIGURATION.getName());
        assertThat(metadata.getProperty(ConnpoolAutoConfiguration.class.getName() + "$ZooKeeperDiscoveryConfiguration"
                + ".ConditionalOnClass")).contains("org.apache.curator.framework.CuratorFramework");
    }

    /** This module's file: of all on the class path, the one that speaks of connpool's auto-configurations. */
    private Properties ownMetadata() throws IOException {
        for (URL url : Collections.list(getClass().getClassLoader()
                .getResources("META-INF/spring-autoconfigure-metadata.properties"))) {
            Properties properties = new Properties();
            try (InputStream in = url.openStream()) {
                properties.load(in);
            }
            if (properties.containsKey(ConnpoolAutoConfiguration.class.getName())) {
                return properties;
            }
        }
        throw new AssertionError("no META-INF/spring-autoconfigure-metadata.properties for connpool on the class path:"
                + " is spring-boot-autoconfigure-processor running?");
    }
}
