package dev.connpool.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small backend server speaking a line protocol, one command per line:
 * {@code PING} → {@code PONG}; {@code ECHO <text>} → {@code <text>}; {@code SET <key> <value>} → {@code OK};
 * {@code GET <key>} → {@code VALUE <value>} or {@code NIL}; anything else → {@code ERR ...}.
 *
 * <p>For the failover demo it can be stopped (connections refused, open ones closed), made to hang (it
 * reads but never answers) and restarted on the same port. Listens on 127.0.0.1 only.
 */
public final class LineServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LineServer.class);

    private final String name;
    private final Map<String, String> store = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile int port;
    private volatile boolean hanging;
    private volatile ServerSocket listener;

    private LineServer(String name) {
        this.name = name;
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static LineServer start(String name) throws IOException {
        LineServer server = new LineServer(name);
        server.listen();
        return server;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public boolean isRunning() {
        ServerSocket s = listener;
        return s != null && !s.isClosed();
    }

    public boolean isHanging() {
        return hanging;
    }

    public int openConnections() {
        return open.size();
    }

    /** Reads but never answers, until {@link #restart()}. */
    public void hang() {
        hanging = true;
        log.info("{} ({}) hangs", name, address());
    }

    /** Stops listening and closes every connection: connects are refused. */
    public synchronized void stop() {
        ServerSocket s = listener;
        listener = null;
        if (s != null) {
            closeQuietly(s);
        }
        open.forEach(LineServer::closeQuietly);
        log.info("{} ({}) stopped", name, address());
    }

    /** Answers again, listening again on the same port if it was stopped. */
    public synchronized void restart() throws IOException {
        hanging = false;
        if (!isRunning()) {
            listen();
        }
        log.info("{} ({}) running", name, address());
    }

    @Override
    public void close() {
        stop();
    }

    private void listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        port = s.getLocalPort();
        listener = s;
        Thread acceptor = new Thread(() -> accept(s), name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket socket = s.accept();
                open.add(socket);
                if (s.isClosed()) { // stopped between accept and add: stop() closed the listener, then the
                    open.remove(socket); // open connections, and may have missed this one
                    closeQuietly(socket);
                    return;
                }
                Thread t = new Thread(() -> serve(socket), name + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                if (hanging) {
                    continue;
                }
                out.write((answer(line) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away, or the server was stopped
        } finally {
            open.remove(socket);
        }
    }

    private String answer(String line) {
        String[] parts = line.split(" ", 3);
        switch (parts[0].toUpperCase(java.util.Locale.ROOT)) {
            case "PING":
                return "PONG";
            case "ECHO":
                return line.length() > 5 ? line.substring(5) : "";
            case "SET":
                if (parts.length < 3) {
                    return "ERR usage: SET <key> <value>";
                }
                store.put(parts[1], parts[2]);
                return "OK";
            case "GET":
                if (parts.length < 2) {
                    return "ERR usage: GET <key>";
                }
                String value = store.get(parts[1]);
                return value == null ? "NIL" : "VALUE " + value;
            default:
                return "ERR unknown command " + parts[0];
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
