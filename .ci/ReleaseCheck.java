import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks what a release would publish, from the files the build left (run `./mvnw verify` first):
 * every module of the root POM is either published or has maven.deploy.skip=true; each published jar
 * module has its jar (Automatic-Module-Name, entries dated project.build.outputTimestamp), a sources jar
 * and a javadoc jar; each published module's flattened POM (target/flattened-pom.xml, what is installed
 * and deployed) has the fields Maven Central requires, no parent and every version written out; the
 * library modules (not Spring's) depend on nothing of Spring; connpool-bom manages every published module.
 *
 * <p>Run from the repository root: {@code java .ci/ReleaseCheck.java} (JDK 17+, no dependencies).
 */
public class ReleaseCheck {

    private static final Pattern MODULE_NAME =
            Pattern.compile("dev\\.connpool(\\.[a-z][a-z0-9_]*)*");

    private final List<String> problems = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        ReleaseCheck check = new ReleaseCheck();
        check.run(root);
        if (!check.problems.isEmpty()) {
            System.err.println("release check FAILED:");
            check.problems.forEach(p -> System.err.println("  " + p));
            System.exit(1);
        }
        System.out.println("release check passed");
    }

    private void run(Path root) throws Exception {
        Document rootPom = parse(root.resolve("pom.xml"));
        String version = text(rootPom.getDocumentElement(), "version");
        String outputTimestamp = text(child(rootPom.getDocumentElement(), "properties"),
                "project.build.outputTimestamp");
        checkLicense(root);

        List<String> publishedJars = new ArrayList<>();
        String bomModule = null;
        for (Element module : children(child(rootPom.getDocumentElement(), "modules"), "module")) {
            String dir = module.getTextContent().trim();
            Document raw = parse(root.resolve(dir).resolve("pom.xml"));
            Element project = raw.getDocumentElement();
            String artifactId = text(project, "artifactId");
            String packaging = orDefault(text(project, "packaging"), "jar");
            if ("true".equals(text(child(project, "properties"), "maven.deploy.skip"))) {
                System.out.println(artifactId + ": not published (maven.deploy.skip)");
                continue;
            }
            Path target = root.resolve(dir).resolve("target");
            Document flat = flattenedPom(artifactId, target);
            if (flat == null) {
                continue;
            }
            checkPomFields(artifactId, version, flat);
            if ("jar".equals(packaging)) {
                publishedJars.add(artifactId);
                checkJars(artifactId, version, target, outputTimestamp);
                if (!artifactId.contains("spring")) {
                    checkNoSpring(artifactId, flat);
                }
            } else if (artifactId.endsWith("-bom")) {
                bomModule = artifactId;
            }
            System.out.println(artifactId + ": checked (" + packaging + ")");
        }
        if (bomModule == null) {
            problems.add("no published module named *-bom in the root POM's modules");
        } else {
            Document bom = parse(root.resolve(bomModule).resolve("target/flattened-pom.xml"));
            checkBom(bomModule, version, bom, publishedJars);
        }
    }

    private void checkLicense(Path root) throws IOException {
        Path license = root.resolve("LICENSE");
        if (!Files.isRegularFile(license)) {
            problems.add("repository: no LICENSE file");
        } else {
            String text = Files.readString(license);
            if (!text.contains("Apache License") || !text.contains("Version 2.0")) {
                problems.add("repository: LICENSE is not the Apache License, Version 2.0");
            }
        }
    }

    private Document flattenedPom(String artifactId, Path target) throws Exception {
        Path flat = target.resolve("flattened-pom.xml");
        if (!Files.isRegularFile(flat)) {
            problems.add(artifactId + ": no flattened POM at " + flat
                    + " (name the flatten-maven-plugin in its <plugins>, and build with ./mvnw verify first)");
            return null;
        }
        return parse(flat);
    }

    private void checkPomFields(String artifactId, String version, Document flat) {
        Element project = flat.getDocumentElement();
        if (child(project, "parent") != null) {
            problems.add(artifactId + ": the published POM still has a <parent>");
        }
        require(artifactId, project, "groupId");
        require(artifactId, project, "artifactId");
        require(artifactId, project, "name");
        require(artifactId, project, "description");
        require(artifactId, project, "url");
        if (!version.equals(text(project, "version"))) {
            problems.add(artifactId + ": <version> is '" + text(project, "version") + "', not " + version);
        }
        Element license = child(child(project, "licenses"), "license");
        if (license == null) {
            problems.add(artifactId + ": no <licenses><license>");
        } else {
            require(artifactId, license, "name", "licenses/license/name");
            require(artifactId, license, "url", "licenses/license/url");
        }
        Element developer = child(child(project, "developers"), "developer");
        if (developer == null) {
            problems.add(artifactId + ": no <developers><developer>");
        } else {
            require(artifactId, developer, "name", "developers/developer/name");
        }
        Element scm = child(project, "scm");
        if (scm == null) {
            problems.add(artifactId + ": no <scm>");
        } else {
            require(artifactId, scm, "url", "scm/url");
            require(artifactId, scm, "connection", "scm/connection");
        }
        for (Element dependency : children(child(project, "dependencies"), "dependency")) {
            String coordinates = text(dependency, "groupId") + ":" + text(dependency, "artifactId");
            String depVersion = text(dependency, "version");
            if (depVersion == null || depVersion.isBlank()) {
                problems.add(artifactId + ": dependency " + coordinates + " has no <version>");
            }
        }
        if (project.getTextContent().contains("${")) {
            problems.add(artifactId + ": the published POM has an unresolved ${...}");
        }
    }

    private void checkJars(String artifactId, String version, Path target, String outputTimestamp)
            throws IOException {
        Path jar = target.resolve(artifactId + "-" + version + ".jar");
        Path sources = target.resolve(artifactId + "-" + version + "-sources.jar");
        Path javadoc = target.resolve(artifactId + "-" + version + "-javadoc.jar");
        if (!Files.isRegularFile(jar)) {
            problems.add(artifactId + ": no jar " + jar);
        } else {
            try (JarFile file = new JarFile(jar.toFile())) {
                Manifest manifest = file.getManifest();
                String name = manifest == null ? null
                        : manifest.getMainAttributes().getValue("Automatic-Module-Name");
                if (name == null || !MODULE_NAME.matcher(name).matches()) {
                    problems.add(artifactId + ": jar manifest Automatic-Module-Name is '" + name
                            + "' (expected dev.connpool.<name>)");
                }
                checkDated(artifactId, file, outputTimestamp);
            }
        }
        if (!Files.isRegularFile(sources)) {
            problems.add(artifactId + ": no sources jar " + sources);
        } else if (!contains(sources, ".java")) {
            problems.add(artifactId + ": the sources jar has no .java file");
        }
        if (!Files.isRegularFile(javadoc)) {
            problems.add(artifactId + ": no javadoc jar " + javadoc);
        } else if (!contains(javadoc, "index.html")) {
            problems.add(artifactId + ": the javadoc jar has no index.html");
        }
    }

    /**
     * Reproducible: every entry dated project.build.outputTimestamp. The archiver writes that instant's UTC
     * date and time as the entry's zip (local) time, whatever the zone of the build.
     */
    private void checkDated(String artifactId, JarFile file, String outputTimestamp) {
        if (outputTimestamp == null) {
            problems.add("root POM: no project.build.outputTimestamp property");
            return;
        }
        LocalDateTime expected = LocalDateTime.ofInstant(Instant.parse(outputTimestamp), ZoneOffset.UTC);
        file.stream()
                .filter(e -> Duration.between(expected, e.getTimeLocal()).abs().getSeconds() > 2)
                .findFirst()
                .ifPresent(entry -> problems.add(artifactId + ": jar entry " + entry.getName() + " dated "
                        + entry.getTimeLocal() + ", not project.build.outputTimestamp " + outputTimestamp));
    }

    private void checkNoSpring(String artifactId, Document flat) {
        for (Element dependency : children(child(flat.getDocumentElement(), "dependencies"), "dependency")) {
            String groupId = text(dependency, "groupId");
            if (groupId != null && groupId.startsWith("org.springframework")) {
                problems.add(artifactId + ": a library module depends on " + groupId + ":"
                        + text(dependency, "artifactId"));
            }
        }
    }

    private void checkBom(String bomModule, String version, Document bom, List<String> publishedJars) {
        Element managed = child(child(bom.getDocumentElement(), "dependencyManagement"), "dependencies");
        List<String> listed = new ArrayList<>();
        for (Element dependency : children(managed, "dependency")) {
            String coordinates = text(dependency, "groupId") + ":" + text(dependency, "artifactId");
            if (!"dev.connpool".equals(text(dependency, "groupId"))) {
                problems.add(bomModule + ": manages " + coordinates + ", which is not connpool's");
            }
            if (!version.equals(text(dependency, "version"))) {
                problems.add(bomModule + ": manages " + coordinates + " at '" + text(dependency, "version")
                        + "', not " + version);
            }
            listed.add(text(dependency, "artifactId"));
        }
        for (String artifactId : publishedJars) {
            if (!listed.contains(artifactId)) {
                problems.add(bomModule + ": does not manage the published module " + artifactId
                        + " (add it to " + bomModule + "/pom.xml)");
            }
        }
    }

    private void require(String artifactId, Element parent, String name) {
        require(artifactId, parent, name, name);
    }

    private void require(String artifactId, Element parent, String name, String path) {
        String value = text(parent, name);
        if (value == null || value.isBlank()) {
            problems.add(artifactId + ": the published POM has no <" + path + ">");
        }
    }

    private static boolean contains(Path jar, String suffix) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(ZipEntry::getName).anyMatch(n -> n.endsWith(suffix));
        }
    }

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        try (InputStream in = Files.newInputStream(pom)) {
            return factory.newDocumentBuilder().parse(in);
        }
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        if (parent != null) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    found.add(e);
                }
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().trim();
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
