package dev.connpool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** A TLS line echo server on 127.0.0.1 ({@code PING} answered with {@code PONG}). */
public final class TlsTestServer implements AutoCloseable {

    private final SSLServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final AtomicInteger handshakes = new AtomicInteger();

    public TlsTestServer(KeyStore keys) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        listener = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 50);
        acceptor = new Thread(this::acceptLoop, "tls-echo-" + listener.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public ServerAddress address() {
        return ServerAddress.of("127.0.0.1", listener.getLocalPort());
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            open.add(socket);
            Thread t = new Thread(() -> serve(socket), "tls-echo-" + listener.getLocalPort() + "-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Closes every open connection (TLS close_notify, then FIN); keeps listening. */
    public void closeAll() throws IOException {
        for (Socket s : open) {
            s.close();
        }
    }

    /** Handshakes the server completed. */
    public int handshakes() {
        return handshakes.get();
    }

    private void serve(Socket socket) {
        try (socket) {
            ((SSLSocket) socket).startHandshake();
            handshakes.incrementAndGet();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                out.write(((line.equals("PING") ? "PONG" : line) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // handshake refused by the client, or the peer went away
        } finally {
            open.remove(socket);
        }
    }

    @Override
    public void close() throws Exception {
        listener.close();
        acceptor.join(5_000);
        for (Socket s : open) {
            s.close();
        }
    }
}
