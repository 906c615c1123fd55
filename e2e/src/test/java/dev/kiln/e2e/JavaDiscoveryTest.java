package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/kiln finds a JDK 25 by itself, and says so in one line when there is none. */
class JavaDiscoveryTest {

    /** The tools bin/kiln needs besides java; the PATH of these tests holds only these. */
    private static final List<String> TOOLS =
            List.of("bash", "env", "readlink", "dirname", "sed", "head", "ls", "sort");

    @TempDir
    Path bin;

    @Test
    void withoutAJdk25ItSaysSoInOneLine() throws Exception {
        KilnProcess.Result result = runHelp(Map.of(
                "JAVA_HOME", "/nonexistent", "KILN_JVM_DIRS", "/nonexistent", "PATH", pathWithoutJava()));
        assertEquals(1, result.exitCode(), result.output());
        assertEquals(1, result.output().lines().count(), result.output());
        assertTrue(result.output().startsWith("kiln: no JDK 25 or newer found"), result.output());
    }

    @Test
    void anOlderJavaHomeIsPassedOverForAJdk25() throws Exception {
        Path jdk17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        assumeTrue(Files.isExecutable(jdk17.resolve("bin/java")), "needs a JDK 17 to pass over");
        KilnProcess.Result result = runHelp(Map.of(
                "JAVA_HOME", jdk17.toString(), "PATH", pathWithoutJava()));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("Usage: kiln"), result.output());
    }

    private KilnProcess.Result runHelp(Map<String, String> environment) throws Exception {
        try (KilnProcess kiln = KilnProcess.start(List.of("--help"), environment)) {
            return kiln.await(Duration.ofSeconds(60));
        }
    }

    private String pathWithoutJava() throws Exception {
        for (String tool : TOOLS) {
            for (String dir : new String[] {"/usr/bin", "/bin"}) {
                Path target = Path.of(dir, tool);
                if (Files.isExecutable(target)) {
                    Files.createSymbolicLink(bin.resolve(tool), target);
                    break;
                }
            }
        }
        return bin.toString();
    }
}
