package dev.connpool.sample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Says, once the app is ready, which URL to open: {@code connpool sample ready: open http://localhost:8080/}
 * (the port the web server really listens on, so also with {@code --server.port=0}).
 */
@Component
class ReadyLine {

    private static final Logger log = LoggerFactory.getLogger(ReadyLine.class);

    @EventListener(ApplicationReadyEvent.class)
    void ready(ApplicationReadyEvent event) {
        log.info(text(event.getApplicationContext().getEnvironment()));
    }

    static String text(Environment environment) {
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        String contextPath = environment.getProperty("server.servlet.context-path", "");
        return "connpool sample ready: open http://localhost:" + port + contextPath + "/ (the live page; the API "
                + "under /api, the actuator under /actuator)";
    }
}
