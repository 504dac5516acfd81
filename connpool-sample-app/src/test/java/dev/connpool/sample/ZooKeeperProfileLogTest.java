package dev.connpool.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The {@code zookeeper} profile's log from start to a normal shutdown, with the sample's own logging
 * levels: the embedded ZooKeeper server and the Curator clients say nothing below WARN (their INFO lines were
 * most of the log), a normal run gives them nothing to warn about, and a normal shutdown does not read like
 * a crash ("ZK server died. Requesting stop on JVM"). The app's own lines still show. (The console pattern names each logger in full, so that a line of
 * theirs cannot hide behind an abbreviation.)
 */
@ExtendWith(OutputCaptureExtension.class)
class ZooKeeperProfileLogTest {

    @Test
    void zooKeeperAndCuratorLogOnlyWarningsAndAShutdownIsQuiet(CapturedOutput output) {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class)
                .profiles("zookeeper")
                .run("--server.port=0", "--logging.pattern.console=%level %logger : %msg%n");
        assertThat(app.getBean(ZooKeeperBackends.class).isRegistered(0)).isTrue();
        app.close();

        String log = output.getOut();
        assertThat(log).as("the app's own lines").contains("embedded ZooKeeper listening on 127.0.0.1:",
                "registered in ZooKeeper at /services/backend", "connpool sample ready: open http://localhost:",
                "backends deregistered from ZooKeeper");
        List<String> chatter = log.lines()
                .filter(line -> line.matches("^(TRACE|DEBUG|INFO|WARN) org\\.apache\\.(zookeeper|curator)\\..*")).toList();
        assertThat(chatter).as("ZooKeeper and Curator lines: below WARN, or a warning of a normal run").isEmpty();
        assertThat(log).doesNotContain("ZK server died");
    }
}
