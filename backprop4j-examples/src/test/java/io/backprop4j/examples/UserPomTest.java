package io.backprop4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's pom for a project of one's own, built by Maven with its Hello class and run: the
 * library comes from a local repository of the test's own (the jar just built), every plugin
 * from the user's ~/.m2 or Maven Central, as a user's build would find them.
 */
class UserPomTest {
    @TempDir
    Path dir;

    @Test
    void theReadmesPomBuildsAndRuns() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        String pom = block(readme, "```xml\n<project");
        String hello = block(readme, "```java\npackage com.example;");
        Path jar = Path.of("../backprop4j-core/target/backprop4j-core-0.1.0-SNAPSHOT.jar").toAbsolutePath().normalize();
        assertTrue(Files.exists(jar), "the core jar is built before the examples: " + jar);

        Path project = Files.createDirectories(dir.resolve("hello"));
        Files.writeString(project.resolve("pom.xml"), pom);
        Path src = Files.createDirectories(project.resolve("src/main/java/com/example"));
        Files.writeString(src.resolve("Hello.java"), hello);
        Path repo = dir.resolve("repo");
        Path settings = dir.resolve("settings.xml");
        String m2 = Path.of(System.getProperty("user.home"), ".m2", "repository").toUri().toString();
        Files.writeString(settings, """
                <settings><profiles><profile><id>m2</id>
                  <repositories><repository><id>user-m2</id><url>%1$s</url></repository></repositories>
                  <pluginRepositories><pluginRepository><id>user-m2</id><url>%1$s</url></pluginRepository></pluginRepositories>
                </profile></profiles><activeProfiles><activeProfile>m2</activeProfile></activeProfiles></settings>
                """.formatted(m2));

        Path root = Path.of("..").toAbsolutePath().normalize();
        mvn(root, settings, repo, "install:install-file", "-Dfile=" + root.resolve("pom.xml"), "-DpomFile=" + root.resolve("pom.xml"),
                "-Dpackaging=pom");
        mvn(root, settings, repo, "install:install-file", "-Dfile=" + jar, "-DpomFile=" + root.resolve("backprop4j-core/pom.xml"));
        String out = mvn(project, settings, repo, "-q", "compile", "exec:exec");
        assertTrue(out.contains("tensor([["), out);
        assertTrue(out.contains("grad_fn=<linear>"), out);
    }

    /** The fenced block that starts with {@code opening}, without its fences. */
    private static String block(String readme, String opening) {
        int at = readme.indexOf(opening);
        assertTrue(at >= 0, "the README has no block starting " + opening);
        int start = readme.indexOf('\n', at) + 1;
        return readme.substring(start, readme.indexOf("\n```", start) + 1);
    }

    private static String mvn(Path folder, Path settings, Path repo, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-s", settings.toString(), "-Dmaven.repo.local=" + repo));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(folder.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("PATH", System.getProperty("java.home") + File.separator + "bin" + File.pathSeparator + System.getenv("PATH"));
        pb.environment().remove("MAVEN_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "mvn " + String.join(" ", args) + " did not finish");
        assertEquals(0, p.exitValue(), "mvn " + String.join(" ", args) + " failed:\n" + out);
        return out;
    }
}
