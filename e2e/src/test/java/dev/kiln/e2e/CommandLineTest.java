package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code bin/kiln} one-shot commands, as a user types them. */
class CommandLineTest {

    @Test
    void helpListsTheKernelsCommands() throws Exception {
        KilnProcess.Result result = KilnProcess.run("--help");
        assertEquals(0, result.exitCode(), result.output());
        for (String command : new String[] {"app", "backends", "plugins", "shell"}) {
            assertTrue(Pattern.compile("(?m)^  " + command + " ").matcher(result.output()).find(),
                    "--help lists " + command + ":\n" + result.output());
        }
    }

    @Test
    void unknownCommandIsAUsageError() throws Exception {
        KilnProcess.Result result = KilnProcess.run("frobnicate");
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("kiln: unknown command 'frobnicate'"), result.output());
        assertTrue(result.output().contains("Usage: kiln"), result.output());
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        KilnProcess.Result result = KilnProcess.run("plugins", "--colour");
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("kiln: unknown option '--colour' for 'kiln plugins'"),
                result.output());
        assertTrue(result.output().contains("Usage: kiln plugins"), result.output());
    }

    @Test
    void missingPluginsFolderIsAUsageError() throws Exception {
        KilnProcess.Result result = KilnProcess.run("--plugins-dir", "/no/such/folder", "plugins");
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("kiln: plugins folder does not exist: /no/such/folder"),
                result.output());
    }

    @Test
    void pluginsListsTheCoreBundlesActive() throws Exception {
        KilnProcess.Result result = KilnProcess.run("plugins");
        assertEquals(0, result.exitCode(), result.output());
        for (String bundle : new String[] {"dev.kiln.kernel.api", "dev.kiln.kernel.core",
                "dev.kiln.hal.cpu", "org.apache.felix.scr", "picocli"}) {
            assertTrue(Pattern.compile("(?m)^\\d+\\s+ACTIVE\\s+" + Pattern.quote(bundle) + "\\s")
                    .matcher(result.output()).find(), bundle + " is ACTIVE:\n" + result.output());
        }
        assertTrue(result.output().contains("backend:cpu"), result.output());
        assertTrue(result.output().contains("command:plugins"), result.output());
        assertTrue(!result.output().contains("Problems:"), result.output());
    }

    @Test
    void backendsShowsTheCpuAvailableAndPreferred() throws Exception {
        KilnProcess.Result result = KilnProcess.run("backends");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(Pattern.compile("(?m)^\\*\\s+cpu\\s+yes\\s+.*-bit vectors")
                .matcher(result.output()).find(), result.output());
    }

    @Test
    void versionNamesTheKernel() throws Exception {
        KilnProcess.Result result = KilnProcess.run("--version");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("Kiln 0."), result.output());
    }
}
