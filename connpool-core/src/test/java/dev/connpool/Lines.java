package dev.connpool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Speaks {@link TestServer}'s line protocol over a {@link SocketConnection}. */
public final class Lines {

    private Lines() {
    }

    /** Sends one line and reads the answer line; an {@link IOException} when the server is gone or silent. */
    public static String roundTrip(SocketConnection connection, String line) throws IOException {
        connection.output().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        connection.output().flush();
        InputStream in = connection.input();
        StringBuilder answer = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection to " + connection.server() + " closed before an answer");
            }
            answer.append((char) b);
        }
        return answer.toString();
    }
}
