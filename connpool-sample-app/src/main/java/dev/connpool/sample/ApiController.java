package dev.connpool.sample;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
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
 * The sample's REST API: {@code GET /api/echo?msg=}, {@code GET|PUT /api/kv/{key}}, and the failover demo
 * on the embedded backends, {@code GET /api/backends}, {@code POST /api/backends/{index}/stop|hang|restart};
 * with the {@code zookeeper} profile also {@code POST /api/backends/{index}/leave|join}, which deletes the
 * backend's node in ZooKeeper (the pool drains it) and registers it again.
 */
@RestController
@RequestMapping("/api")
public class ApiController {

    private final BackendService<?> service;
    private final ObjectProvider<EmbeddedBackends> embedded;
    private final ObjectProvider<ZooKeeperBackends> zooKeeper;

    public ApiController(BackendService<?> service, ObjectProvider<EmbeddedBackends> embedded,
                         ObjectProvider<ZooKeeperBackends> zooKeeper) {
        this.service = service;
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

    @PutMapping("/kv/{key}")
    public BackendService.Reply put(@PathVariable("key") String key, @RequestBody String value) {
        return service.set(key, value);
    }

    /**
     * One embedded backend as the dashboard shows it.
     *
     * @param registered whether it is registered in ZooKeeper; {@code null} without the zookeeper profile
     */
    public record Backend(int index, String name, String address, boolean running, boolean hanging, int connections,
                          Boolean registered) {
    }

    @GetMapping("/backends")
    public List<Backend> backends() {
        return DashboardController.backends(embedded.getIfAvailable(), zooKeeper.getIfAvailable());
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
        switch (action) {
            case "stop" -> server.stop();
            case "hang" -> server.hang();
            case "restart" -> server.restart();
            case "leave" -> registry.leave(index);
            case "join" -> registry.join(index);
            default -> {
                return ResponseEntity.badRequest().body(Map.of("error", "unknown action '" + action
                        + "'; use stop, hang or restart" + (registry == null ? "" : ", leave or join")));
            }
        }
        return ResponseEntity.ok(backends().get(index));
    }
}
