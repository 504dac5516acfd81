package com.example.userapp;

import dev.connpool.MultiPool;
import dev.connpool.SocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** GET /echo?msg=hi: one line to a server of the pool 'lines' and the line it sends back. */
@RestController
public class EchoController {

    private final MultiPool<SocketConnection> lines;

    public EchoController(MultiPool<SocketConnection> lines) {
        this.lines = lines;
    }

    @GetMapping("/echo")
    public String echo(@RequestParam("msg") String message) {
        return lines.execute(connection -> {
            connection.output().write((message + "\n").getBytes(StandardCharsets.UTF_8));
            connection.output().flush();
            InputStream in = connection.input();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("the server closed the connection");
                }
                answer.write(b);
            }
            return answer.toString(StandardCharsets.UTF_8);
        });
    }
}
