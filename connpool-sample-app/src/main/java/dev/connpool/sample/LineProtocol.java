package dev.connpool.sample;

import dev.connpool.SocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** {@link LineServer}'s protocol: one command line, one answer line. */
public final class LineProtocol implements BackendProtocol<SocketConnection> {

    @Override
    public String echo(SocketConnection connection, String text) throws IOException {
        return call(connection, "ECHO " + text);
    }

    @Override
    public String get(SocketConnection connection, String key) throws IOException {
        String answer = call(connection, "GET " + key);
        if (answer.equals("NIL")) {
            return null;
        }
        if (answer.startsWith("VALUE ")) {
            return answer.substring(6);
        }
        throw new IOException("unexpected answer to GET: " + answer);
    }

    @Override
    public void set(SocketConnection connection, String key, String value) throws IOException {
        String answer = call(connection, "SET " + key + " " + value);
        if (!answer.equals("OK")) {
            throw new IOException("unexpected answer to SET: " + answer);
        }
    }

    static String call(SocketConnection connection, String command) throws IOException {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a command is one line");
        }
        connection.output().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        connection.output().flush();
        InputStream in = connection.input();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection to " + connection.server() + " closed before an answer");
            }
            answer.write(b);
        }
        return answer.toString(StandardCharsets.UTF_8);
    }
}
