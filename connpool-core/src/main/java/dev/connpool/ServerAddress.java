package dev.connpool;

import java.util.Locale;

/**
 * The {@code host:port} of one backend server; the key of its pool inside a {@link MultiPool}.
 *
 * <p>Immutable and thread-safe. Two addresses are equal when host (compared case-insensitively, it is
 * stored in lower case) and port are equal. The host is not resolved here: each new connection resolves
 * it again, so a DNS change reaches new connections.
 *
 * @param host a host name or IP literal, never blank; IPv6 literals are stored without brackets
 * @param port a TCP port, 1 to 65535
 */
public record ServerAddress(String host, int port) {

    /**
     * Checks and normalises the components.
     *
     * @param host a host name or IP literal
     * @param port a TCP port
     *
     * @throws IllegalArgumentException if the host is null, blank or contains white space, or the port is
     *                                  outside 1..65535; the message quotes the bad value
     */
    public ServerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("server host must not be empty, got " + quote(host));
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (Character.isWhitespace(c) || c == '/' || c == '[' || c == ']') {
                throw new IllegalArgumentException("server host " + quote(host) + " contains " + quote(String.valueOf(c)));
            }
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException(
                    "server port must be between 1 and 65535, got " + port + " for host " + quote(host));
        }
        host = host.toLowerCase(Locale.ROOT);
    }

    /**
     * Returns the address of {@code host} and {@code port}.
     *
     * @param host a host name or IP literal (IPv6 with or without brackets)
     * @param port a TCP port, 1 to 65535
     * @return the address
     * @throws IllegalArgumentException on a blank host or a port outside 1..65535
     */
    public static ServerAddress of(String host, int port) {
        return new ServerAddress(host, port);
    }

    /**
     * Parses {@code "host:port"} or {@code "[ipv6]:port"}.
     *
     * @param hostAndPort the text, surrounding white space ignored
     * @return the address
     * @throws IllegalArgumentException when the text is not of that form; the message quotes the text
     */
    public static ServerAddress parse(String hostAndPort) {
        if (hostAndPort == null) {
            throw new IllegalArgumentException("server address must be \"host:port\", got null");
        }
        String text = hostAndPort.strip();
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw bad(hostAndPort, "the IPv6 literal has no closing ']'");
            }
            host = text.substring(1, close);
            if (close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw bad(hostAndPort, "expected ':port' after the IPv6 literal");
            }
            portText = text.substring(close + 2);
            if (host.indexOf(':') < 0) {
                throw bad(hostAndPort, "brackets are only for IPv6 literals");
            }
        } else {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw bad(hostAndPort, "no port");
            }
            if (text.indexOf(':', colon + 1) >= 0) {
                throw bad(hostAndPort, "more than one ':' (write an IPv6 literal as [addr]:port)");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw bad(hostAndPort, "no host");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw bad(hostAndPort, "port " + quote(portText) + " is not a number");
        }
        if (port < 1 || port > 65_535) {
            throw bad(hostAndPort, "port " + port + " is outside 1..65535");
        }
        try {
            return new ServerAddress(host, port);
        } catch (IllegalArgumentException e) {
            throw bad(hostAndPort, e.getMessage());
        }
    }

    /**
     * Returns {@code "host:port"}, or {@code "[addr]:port"} for an IPv6 literal; {@link #parse} reads it back.
     */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException(
                "invalid server address " + quote(text) + ": " + why + "; expected \"host:port\" or \"[ipv6]:port\"");
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
