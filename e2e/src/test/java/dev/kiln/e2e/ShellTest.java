package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code kiln shell}: Kiln's commands at the Gogo prompt, and {@code exit 0} ends the runtime. */
class ShellTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void kilnCommandsRunInTheShellAndExitStopsIt() throws Exception {
        try (KilnProcess shell = KilnProcess.start(List.of("shell"))) {
            shell.awaitLine(l -> l.contains("Welcome to Apache Felix Gogo"), "the Gogo banner", WAIT);
            shell.type("kiln backends\n");
            shell.awaitLine(l -> l.matches("\\*\\s+cpu\\s+yes\\s.*"), "the backends table", WAIT);
            shell.type("kiln nosuchcommand\n");
            shell.awaitLine(l -> l.contains("kiln: unknown command 'nosuchcommand'"), "the usage error", WAIT);
            shell.type("lb\n");
            shell.awaitLine(l -> l.contains("Kiln kernel core"), "the bundle list", WAIT);
            shell.type("exit 0\n");
            KilnProcess.Result result = shell.await(WAIT);
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("kiln: runtime up"), result.output());
        }
    }
}
