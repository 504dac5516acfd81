package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

/** Self-signed certificates for TLS tests, made by the JDK's keytool; store password {@code changeit}. */
public final class TestCertificates {

    /** The password of every store made here. */
    public static final String PASSWORD = "changeit";

    private TestCertificates() {
    }

    /**
     * Makes {@code <dir>/<name>.p12} holding a key pair and a self-signed certificate (alias {@code server}).
     *
     * @param dir   where to write
     * @param name  the file's base name
     * @param dname the certificate's subject, such as {@code CN=localhost}
     * @param san   its subject alternative names, such as {@code ip:127.0.0.1,dns:localhost}
     * @return the loaded key store
     * @throws Exception when keytool fails
     */
    public static KeyStore keystore(Path dir, String name, String dname, String san) throws Exception {
        Path file = dir.resolve(name + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", dname, "-ext", "san=" + san, "-storetype", "PKCS12",
                "-keystore", file.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(process.exitValue()).as("keytool exit code; output: %s", output).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(file.toFile())) {
            store.load(in, PASSWORD.toCharArray());
        }
        assertThat(store.getCertificate("server")).isNotNull();
        return store;
    }

    /**
     * Writes {@code <dir>/<name>.p12}, a trust store holding the certificate of {@code keys}.
     *
     * @param dir  where to write
     * @param name the file's base name
     * @param keys a store made by {@link #keystore}
     * @return the trust store's path
     * @throws Exception when it cannot be written
     */
    public static Path truststore(Path dir, String name, KeyStore keys) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", keys.getCertificate("server"));
        Path file = dir.resolve(name + ".p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            trust.store(out, PASSWORD.toCharArray());
        }
        return file;
    }
}
