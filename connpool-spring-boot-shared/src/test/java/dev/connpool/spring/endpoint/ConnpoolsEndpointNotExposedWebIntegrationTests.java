package dev.connpool.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/** Without {@code management.endpoints.web.exposure.include=connpools} the endpoint is not there. */
@SpringBootTest(classes = ConnpoolsEndpointNotExposedWebIntegrationTests.App.class,
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"management.endpoints.web.exposure.include=health", "connpool.pools.backend.servers=127.0.0.1:9001"})
@DirtiesContext
class ConnpoolsEndpointNotExposedWebIntegrationTests {

    @LocalServerPort
    private int port;

    @Test
    void getShouldAnswer404WhileTheActuatorItselfAnswers() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(status(http, "/actuator")).isEqualTo(200);
        assertThat(status(http, "/actuator/connpools")).isEqualTo(404);
        assertThat(status(http, "/actuator/connpools/backend")).isEqualTo(404);
    }

    private int status(HttpClient http, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
