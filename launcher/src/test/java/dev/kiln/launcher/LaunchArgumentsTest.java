package dev.kiln.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.launcher.LaunchArguments.RuntimeMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LaunchArgumentsTest {

    private static final Path CWD = Path.of("/home/user/work");

    @Test
    void theSubcommandChoosesTheRuntime() throws Exception {
        assertEquals(RuntimeMode.APP, parse("app").mode());
        assertEquals(RuntimeMode.APP, parse("deploy", "--model", "m").mode());
        assertEquals(RuntimeMode.SHELL, parse("shell").mode());
        assertEquals(RuntimeMode.ONE_SHOT, parse("plugins").mode());
        assertEquals(RuntimeMode.ONE_SHOT, parse("--help").mode());
        assertEquals(RuntimeMode.ONE_SHOT, parse().mode());
    }

    @Test
    void onlyTheFirstWordIsTheSubcommand() throws Exception {
        assertEquals(RuntimeMode.ONE_SHOT, parse("infer", "app").mode());
        assertEquals(RuntimeMode.ONE_SHOT, parse("sft", "--model", "shell").mode());
    }

    @Test
    void thePluginsFolderResolvesAgainstTheWorkingDirectory() throws Exception {
        assertEquals(Optional.of(CWD.resolve("plugins2")), parse("--plugins-dir", "plugins2", "app").pluginsDir());
        assertEquals(Optional.of(Path.of("/opt/p")), parse("--plugins-dir=/opt/p", "app").pluginsDir());
        assertEquals(RuntimeMode.APP, parse("--plugins-dir", "x", "app").mode());
        assertEquals(Optional.empty(), parse("app").pluginsDir());
    }

    @Test
    void theCommandLineIsPassedOnUnchanged() throws Exception {
        assertEquals(List.of("--plugins-dir", "x", "app"), parse("--plugins-dir", "x", "app").args());
    }

    @Test
    void aPluginsFolderOptionWithoutAFolderIsAUsageError() {
        LaunchException e = assertThrows(LaunchException.class, () -> parse("--plugins-dir"));
        assertEquals(2, e.exitCode());
        assertEquals("option '--plugins-dir' needs a folder", e.getMessage());
        assertThrows(LaunchException.class, () -> parse("--plugins-dir", "--help"));
    }

    private static LaunchArguments parse(String... args) throws LaunchException {
        return LaunchArguments.parse(args, CWD);
    }
}
