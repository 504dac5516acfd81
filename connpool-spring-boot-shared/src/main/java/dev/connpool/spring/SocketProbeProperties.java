package dev.connpool.spring;

/**
 * {@code socket.probe.*}: what the built-in TCP factory sends to prove a server answers (core's
 * {@code SocketConnectionFactory.Builder.probe}), on the trial that re-admits an ejected server and on each
 * health probe. Set both or neither. A file of its own, nested into {@link SocketProperties}.
 */
public class SocketProbeProperties {

    /**
     * What a probe sends, its line end included (such as "PING\r\n"); set, the pool's own trial alone re-admits an
     * ejected server and no caller is given one on trial; unset: a probe only checks the new connection is open,
     * so a caller's call is the trial (a hung server costs that call the read timeout, once per ejection; with no
     * call within ejection.base-time the pool re-admits it on a connect).
     */
    private String request;

    /** What the reply's first line must start with (such as "+PONG"). */
    private String reply;

    public String getRequest() {
        return request;
    }

    public void setRequest(String request) {
        this.request = request;
    }

    public String getReply() {
        return reply;
    }

    public void setReply(String reply) {
        this.reply = reply;
    }
}
