package dev.connpool.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * connpool's sample: a web app that talks to three backends through one pool named {@code backend}. With
 * no configuration it starts the three backends itself ({@link EmbeddedBackendsInitializer}); set
 * {@code connpool.pools.backend.servers} (or run the {@code redis} profile) to use real servers.
 */
@SpringBootApplication
@EnableScheduling
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
