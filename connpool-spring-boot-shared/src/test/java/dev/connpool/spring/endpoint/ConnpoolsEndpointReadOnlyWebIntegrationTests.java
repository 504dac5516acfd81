package dev.connpool.spring.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.connpool.ServerState;
import dev.connpool.TestServer;
import dev.connpool.spring.MultiPoolRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Exposed but with its default access, the endpoint reads and refuses to act: eject, readmit and drain need
 * {@code management.endpoint.connpools.access=unrestricted} (allowed in
 * {@link ConnpoolsEndpointWebIntegrationTests}, which sets it).
 */
@SpringBootTest(classes = ConnpoolsEndpointReadOnlyWebIntegrationTests.App.class,
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "management.endpoints.web.exposure.include=connpools")
@DirtiesContext
class ConnpoolsEndpointReadOnlyWebIntegrationTests {

    private static final TestServer SERVER = start();

    @LocalServerPort
    private int port;

    @Autowired
    private MultiPoolRegistry registry;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry properties) {
        properties.add("connpool.pools.backend.servers", () -> SERVER.address().toString());
    }

    @AfterAll
    static void stopServer() {
        SERVER.close();
    }

    @Test
    void aWriteOperationShouldBeRefusedByDefaultWhileReadsAnswer() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> read = http.send(request("/actuator/connpools/backend").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains(SERVER.address().toString());

        for (String action : new String[] {"drain", "eject"}) {
            HttpResponse<String> write = http.send(request("/actuator/connpools/backend/" + SERVER.address())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"" + action + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(write.statusCode()).as(action + ": " + write.body()).isEqualTo(404); // Boot maps no write operation: no such resource
        }
        assertThat(registry.get("backend").stats().server(SERVER.address()).state()).isEqualTo(ServerState.ACTIVE);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    }

    private static TestServer start() {
        try {
            return TestServer.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
