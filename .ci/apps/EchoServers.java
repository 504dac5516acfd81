import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The servers of the user apps' pool (.ci/user-apps): N line-echo servers on free loopback ports, in one JVM
 * (`java EchoServers.java 2`). Prints their addresses on one line, "127.0.0.1:p1,127.0.0.1:p2", then serves
 * until it is killed. Each connection gets a thread; each line is answered with itself.
 */
public final class EchoServers {

    public static void main(String[] args) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        List<ServerSocket> listeners = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            listeners.add(new ServerSocket(0, 128, InetAddress.getLoopbackAddress()));
        }
        for (ServerSocket listener : listeners) {
            Thread acceptor = new Thread(() -> accept(listener), "accept-" + listener.getLocalPort());
            acceptor.start();
        }
        System.out.println(listeners.stream().map(l -> "127.0.0.1:" + l.getLocalPort()).collect(Collectors.joining(",")));
        System.out.flush();
    }

    private static void accept(ServerSocket listener) {
        while (true) {
            try {
                Socket socket = listener.accept();
                Thread connection = new Thread(() -> echo(socket), "echo-" + listener.getLocalPort());
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
