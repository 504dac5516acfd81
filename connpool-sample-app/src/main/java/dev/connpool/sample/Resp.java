package dev.connpool.sample;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * RESP (version 2), the Redis protocol, as far as the sample needs it. Commands go out as arrays of bulk
 * strings, so keys and values are binary-safe (spaces, CR and LF included). Replies are read as:
 * a simple string ({@code +OK}) as a {@link Simple}; an error ({@code -ERR ...}) thrown as a
 * {@link RedisErrorException}; an integer ({@code :1}) as a {@link Long}; a bulk string ({@code $n}) as a
 * {@code String} (UTF-8); a null bulk string ({@code $-1}) or null array ({@code *-1}) as {@code null}; an
 * array ({@code *n}) as a {@code List<Object>}.
 */
final class Resp {

    /** Longest line (simple string, error, length) accepted in a reply. */
    private static final int MAX_LINE = 64 * 1024;
    /** Largest bulk string accepted in a reply (Redis's own proto-max-bulk-len default). */
    private static final int MAX_BULK = 512 * 1024 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    /** A simple string reply, {@code +<text>}; kept apart from a bulk string with the same text. */
    record Simple(String text) {
        @Override
        public String toString() {
            return "+" + text;
        }
    }

    private Resp() {
    }

    /** Writes {@code args} as one command, an array of bulk strings, and flushes. */
    static void send(OutputStream out, String... args) throws IOException {
        if (args.length == 0) {
            throw new IllegalArgumentException("a command has at least its name");
        }
        ByteArrayOutputStream command = new ByteArrayOutputStream(64);
        header(command, '*', args.length);
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            header(command, '$', bytes.length);
            command.write(bytes);
            command.write(CRLF);
        }
        command.writeTo(out);
        out.flush();
    }

    private static void header(ByteArrayOutputStream out, char type, int length) {
        out.write(type);
        out.writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF, 0, 2);
    }

    /** Reads one reply; an error reply is thrown as {@link RedisErrorException}. */
    static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("the server closed the connection before its reply");
        }
        switch (type) {
            case '+':
                return new Simple(line(in));
            case '-':
                throw new RedisErrorException(line(in));
            case ':':
                return number(line(in), "integer");
            case '$': {
                long length = number(line(in), "bulk string length");
                if (length == -1) {
                    return null;
                }
                if (length < 0 || length > MAX_BULK) {
                    throw new IOException("bad bulk string length in a RESP reply: " + length);
                }
                byte[] bytes = in.readNBytes((int) length);
                if (bytes.length < length) {
                    throw new EOFException("the server closed the connection in the middle of a bulk string");
                }
                if (in.read() != '\r' || in.read() != '\n') {
                    throw new IOException("a RESP bulk string of " + length + " bytes does not end with CRLF");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                long count = number(line(in), "array length");
                if (count == -1) {
                    return null;
                }
                if (count < 0 || count > Integer.MAX_VALUE) {
                    throw new IOException("bad array length in a RESP reply: " + count);
                }
                List<Object> elements = new ArrayList<>((int) Math.min(count, 1024));
                for (long i = 0; i < count; i++) {
                    elements.add(read(in));
                }
                return elements;
            }
            default:
                throw new IOException("not a RESP reply: it starts with " + describe(type)
                        + " where one of + - : $ * was expected");
        }
    }

    /** Reads up to CRLF (taken off); a lone CR or LF inside is not allowed. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(32);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the server closed the connection in the middle of a reply line");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("a RESP reply line has CR without LF");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n') {
                throw new IOException("a RESP reply line ends with LF without CR");
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("a RESP reply line is longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
    }

    private static long number(String text, String what) throws IOException {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("bad " + what + " in a RESP reply: '" + text + "'", e);
        }
    }

    private static String describe(int b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
    }

    /** Describes a reply for an error message. */
    static String describe(Object reply) {
        if (reply == null) {
            return "a null reply";
        }
        if (reply instanceof Simple simple) {
            return "simple string " + simple;
        }
        if (reply instanceof String bulk) {
            return "bulk string \"" + (bulk.length() > 60 ? bulk.substring(0, 60) + "..." : bulk) + "\"";
        }
        if (reply instanceof Long number) {
            return "integer " + number;
        }
        return "an array of " + ((List<?>) reply).size();
    }
}
