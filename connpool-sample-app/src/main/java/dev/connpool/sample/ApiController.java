package dev.connpool.sample;

import dev.connpool.MultiPool;
import dev.connpool.ServerAddress;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample's REST API: {@code GET /api/echo?msg=}, {@code GET|PUT /api/kv/{key}} (the value is the request
 * body, whatever its content type: {@code curl -X PUT -d bar localhost:8080/api/kv/foo}), and the failover
 * demo on the embedded backends, numbered from 0: {@code GET /api/backends},
 * {@code POST /api/backends/{index}/stop|hang|restart} (the backend itself), {@code drain|add} (the pool's
 * {@code removeServer} and {@code addServer}: a drained backend stays out of the pool until it is added); with
 * the {@code zookeeper} profile {@code leave|join} instead of drain and add, which delete the backend's node in
 * ZooKeeper (the pool drains it) and register it again.
 */
@RestController
@RequestMapping("/api")
public class ApiController {

    private final BackendService<?> service;
    private final MultiPool<?> backend;
    private final ObjectProvider<EmbeddedBackends> embedded;
    private final ObjectProvider<ZooKeeperBackends> zooKeeper;

    public ApiController(BackendService<?> service, @Qualifier("backend") MultiPool<?> backend,
                         ObjectProvider<EmbeddedBackends> embedded, ObjectProvider<ZooKeeperBackends> zooKeeper) {
        this.service = service;
        this.backend = backend;
        this.embedded = embedded;
        this.zooKeeper = zooKeeper;
    }

    @GetMapping("/echo")
    public BackendService.Reply echo(@RequestParam("msg") String message) {
        return service.echo(message);
    }

    @GetMapping("/kv/{key}")
    public ResponseEntity<BackendService.Reply> get(@PathVariable("key") String key) {
        BackendService.Reply reply = service.get(key);
        return reply.value() == null ? ResponseEntity.status(HttpStatus.NOT_FOUND).body(reply) : ResponseEntity.ok(reply);
    }

    /**
     * Stores the request body, as sent, under {@code key}. Any content type: Spring Boot's form filter is off
     * ({@code spring.mvc.formcontent.filter.enabled: false}), so the form-urlencoded body {@code curl -d} sends
     * is not parsed as form fields but read as it is.
     */
    @PutMapping("/kv/{key}")
    public BackendService.Reply put(@PathVariable("key") String key, @RequestBody(required = false) String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("PUT /api/kv/" + key + " takes the value as its body, and it is empty; "
                    + "e.g. curl -X PUT -d bar localhost:8080/api/kv/" + key);
        }
        return service.set(key, value);
    }

    /**
     * One embedded backend as the dashboard shows it.
     *
     * @param index      its number, from 0, as in {@code /api/backends/{index}/stop}
     * @param name       {@code backend-<index>}
     * @param pooled     whether the pool {@code backend} has it among its servers (not drained, nor draining)
     * @param registered whether it is registered in ZooKeeper; {@code null} without the zookeeper profile
     */
    public record Backend(int index, String name, String address, boolean running, boolean hanging, int connections,
                          boolean pooled, Boolean registered) {
    }

    @GetMapping("/backends")
    public List<Backend> backends() {
        return DashboardController.backends(embedded.getIfAvailable(), backend, zooKeeper.getIfAvailable());
    }

    @PostMapping("/backends/{index}/{action}")
    public ResponseEntity<Object> control(@PathVariable("index") int index, @PathVariable("action") String action)
            throws IOException {
        EmbeddedBackends backends = embedded.getIfAvailable();
        if (backends == null) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "no embedded backends: the app uses configured servers"));
        }
        LineServer server = backends.get(index);
        ZooKeeperBackends registry = zooKeeper.getIfAvailable();
        if ((action.equals("leave") || action.equals("join")) && registry == null) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "the backends are not registered in ZooKeeper: run the zookeeper profile"));
        }
        if ((action.equals("drain") || action.equals("add")) && registry != null) {
            return ResponseEntity.badRequest().body(Map.of("error", "the pool's servers come from ZooKeeper, which "
                    + "would undo a " + action + ": use leave and join"));
        }
        ServerAddress address = ServerAddress.parse(server.address());
        switch (action) {
            case "stop" -> server.stop();
            case "hang" -> server.hang();
            case "restart" -> server.restart();
            case "drain" -> backend.removeServer(address);
            case "add" -> backend.addServer(address);
            case "leave" -> registry.leave(index);
            case "join" -> registry.join(index);
            default -> {
                return ResponseEntity.badRequest().body(Map.of("error", "unknown action '" + action
                        + "'; use stop, hang or restart" + (registry == null ? ", drain or add" : ", leave or join")));
            }
        }
        return ResponseEntity.ok(backends().get(index));
    }
}
