package dev.connpool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The memcached example of {@code docs/affinity.md}, compiled and run against real memcached processes by
 * {@link MemcachedAffinityTest}: {@code get} and {@code set} over memcached's text protocol on the built-in
 * {@link SocketConnection}. {@link DocsMemcachedExampleTest} checks that the page shows the code between the
 * two marker comments as it is.
 */
final class MemcachedText {

    private MemcachedText() {
    }

    // docs:memcached begin
    /** memcached's get: the value, or null when the key is not there. */
    static String get(SocketConnection c, String key) throws IOException {
        send(c, "get " + key + "\r\n", null);
        String header = line(c.input()); // VALUE <key> <flags> <bytes>, or END
        if (header.equals("END")) {
            return null;
        }
        if (!header.startsWith("VALUE ")) {
            throw new IllegalStateException("memcached answered " + header); // a WORK failure: not retried
        }
        byte[] data = c.input().readNBytes(Integer.parseInt(header.substring(header.lastIndexOf(' ') + 1)));
        line(c.input()); // the CRLF after the data
        String end = line(c.input());
        if (!end.equals("END")) {
            throw new IOException("memcached sent " + end + " after a value"); // out of step: the connection goes
        }
        return new String(data, StandardCharsets.UTF_8);
    }

    /** memcached's set, with no expiry. */
    static void set(SocketConnection c, String key, String value) throws IOException {
        byte[] data = value.getBytes(StandardCharsets.UTF_8);
        send(c, "set " + key + " 0 0 " + data.length + "\r\n", data);
        String reply = line(c.input());
        if (!reply.equals("STORED")) {
            throw new IllegalStateException("memcached answered " + reply);
        }
    }

    private static void send(SocketConnection c, String command, byte[] data) throws IOException {
        OutputStream out = c.output();
        out.write(command.getBytes(StandardCharsets.UTF_8));
        if (data != null) {
            out.write(data);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("memcached closed the connection");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
    // docs:memcached end
}
