package dev.connpool.zookeeper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Forwards TCP connections from a local port to a target, so that a test can cut one client off
 * ZooKeeper ({@link #stop()}: connections closed, new ones refused) while other clients stay connected, and
 * {@link #restart()} it on the same port.
 */
final class TcpProxy implements AutoCloseable {

    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile int port;
    private volatile ServerSocket listener;

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        listen();
    }

    String connectString() {
        return "127.0.0.1:" + port;
    }

    synchronized void stop() {
        ServerSocket s = listener;
        listener = null;
        closeQuietly(s);
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    synchronized void restart() throws IOException {
        if (listener == null) {
            listen();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        port = s.getLocalPort();
        listener = s;
        Thread t = new Thread(() -> accept(s), "tcp-proxy-" + port);
        t.setDaemon(true);
        t.start();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            Socket target;
            try {
                client = s.accept();
            } catch (IOException e) {
                return;
            }
            try {
                target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            open.add(client);
            open.add(target);
            pump(client, target);
            pump(target, client);
            if (s.isClosed()) { // stopped while connecting
                closeQuietly(client);
                closeQuietly(target);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
