package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln shell} in a real terminal (a tmux pane, as a user's terminal would be): Kiln's
 * commands run at the Gogo prompt, and {@code exit 0} ends the runtime.
 */
class ShellTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final String session = "kiln-e2e-" + ProcessHandle.current().pid();

    @Test
    void kilnCommandsRunInTheShellAndExitStopsIt() throws Exception {
        assumeTrue(tmuxIsInstalled(), "tmux provides the terminal (.ci/run installs it)");
        tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50",
                KilnProcess.DIST.resolve("bin/kiln") + " shell");
        awaitScreen(s -> s.contains("g!"), "the Gogo prompt");

        tmux("send-keys", "-t", session, "kiln backends", "Enter");
        awaitScreen(s -> s.lines().anyMatch(l -> l.matches("\\*\\s+cpu\\s+yes\\s.*")), "the backends table");

        tmux("send-keys", "-t", session, "kiln nosuchcommand", "Enter");
        awaitScreen(s -> s.contains("kiln: unknown command 'nosuchcommand'"), "the usage error");

        tmux("send-keys", "-t", session, "exit 0", "Enter");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (sessionExists() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(!sessionExists(), "'exit 0' did not end kiln shell");
    }

    @AfterEach
    void killSession() throws Exception {
        if (tmuxIsInstalled() && sessionExists()) {
            tmux("kill-session", "-t", session);
        }
    }

    private void awaitScreen(Predicate<String> expected, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = tmux("capture-pane", "-p", "-t", session);
            if (expected.test(screen)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the shell never showed " + what + "; screen:\n" + screen);
    }

    private boolean sessionExists() throws Exception {
        return run(List.of("tmux", "has-session", "-t", session)).exitCode() == 0;
    }

    private static String tmux(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("tmux"));
        command.addAll(List.of(args));
        KilnProcess.Result result = run(command);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + result.output());
        }
        return result.output();
    }

    private static boolean tmuxIsInstalled() {
        try {
            return run(List.of("tmux", "-V")).exitCode() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static KilnProcess.Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new KilnProcess.Result(p.waitFor(), output);
    }
}
