package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln app} with a plugins folder: a plugin copied in goes live, is usable from a second
 * {@code kiln} process, and leaves when deleted; a broken jar is reported and changes nothing.
 */
class HotDeployTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path HELLO_JAR = Path.of(System.getProperty("kiln.plugins.under.test",
            "target/plugins-under-test")).resolve("hello-plugin.jar");

    @TempDir
    Path plugins;

    @Test
    void aPluginGoesLiveAndLeavesWithoutARestart() throws Exception {
        try (KilnProcess app = KilnProcess.start(
                List.of("--plugins-dir", plugins.toString(), "app"))) {
            app.awaitLine(l -> l.startsWith("kiln: runtime up; watching " + plugins),
                    "the runtime's start line", WAIT);

            copyAtomically(HELLO_JAR, plugins.resolve("hello-plugin.jar"));
            app.awaitLine(l -> l.equals("kiln: command 'hello' available"),
                    "the hello command arriving", WAIT);

            KilnProcess.Result listing = KilnProcess.run("--plugins-dir", plugins.toString(), "plugins");
            assertTrue(Pattern.compile("(?m)^\\d+\\s+ACTIVE\\s+dev\\.kiln\\.examples\\.hello\\s.*command:hello")
                    .matcher(listing.output()).find(), listing.output());
            KilnProcess.Result hello = KilnProcess.run(
                    "--plugins-dir", plugins.toString(), "hello", "--name", "Ada", "--times", "2");
            assertEquals(0, hello.exitCode(), hello.output());
            assertTrue(hello.output().endsWith("Hello, Ada!\nHello, Ada!"), hello.output());

            Files.delete(plugins.resolve("hello-plugin.jar"));
            app.awaitLine(l -> l.equals("kiln: command 'hello' removed"), "the hello command leaving", WAIT);
            app.awaitLine(l -> l.matches("kiln: bundle dev\\.kiln\\.examples\\.hello .* uninstalled"),
                    "the plugin bundle uninstalled", WAIT);
            assertTrue(app.isAlive(), app.output());

            int exit = app.terminate(WAIT);
            assertEquals(143, exit, "SIGTERM ends the runtime like any JVM (128+15):\n" + app.output());
        }
    }

    @Test
    void aBrokenJarIsReportedByNameAndTheRuntimeGoesOn() throws Exception {
        try (KilnProcess app = KilnProcess.start(
                List.of("--plugins-dir", plugins.toString(), "app"))) {
            app.awaitLine(l -> l.startsWith("kiln: runtime up"), "the runtime's start line", WAIT);

            Path corrupt = plugins.resolve("corrupt.jar");
            Files.writeString(corrupt, "this is not a zip file");
            app.awaitLine(l -> l.startsWith("kiln: ignoring " + corrupt + ": it is not a readable jar"),
                    "the corrupt jar reported", WAIT);

            copyAtomically(HELLO_JAR, plugins.resolve("hello-plugin.jar"));
            app.awaitLine(l -> l.equals("kiln: command 'hello' available"),
                    "a good plugin still arriving after a bad one", WAIT);
            assertTrue(app.isAlive(), app.output());
        }
    }

    @Test
    void oneShotCommandsSkipABrokenJarAndRun() throws Exception {
        Files.writeString(plugins.resolve("corrupt.jar"), "garbage");
        Files.copy(HELLO_JAR, plugins.resolve("hello-plugin.jar"));
        KilnProcess.Result hello = KilnProcess.run("--plugins-dir", plugins.toString(), "hello");
        assertEquals(0, hello.exitCode(), hello.output());
        assertTrue(hello.output().contains("kiln: cannot install " + plugins.resolve("corrupt.jar")),
                hello.output());
        assertTrue(hello.output().endsWith("Hello, world!"), hello.output());
    }

    /** Copies under a temporary name and renames, so FileInstall never sees half a jar. */
    private static void copyAtomically(Path from, Path to) throws Exception {
        Path partial = to.resolveSibling(to.getFileName() + ".part");
        Files.copy(from, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, to, StandardCopyOption.ATOMIC_MOVE);
    }
}
