package dev.kiln.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime's jobs reached from outside through its control socket, as {@code kiln backend}
 * in another process does (here the client runs in the same JVM, so it addresses the socket
 * directly: {@link RuntimeControl#running} leaves out its own process).
 */
class ControlSocketTest {

    @TempDir
    Path directory;

    private final BackendRegistry registry = new BackendRegistry();
    private final List<String> reported = new ArrayList<>();
    private final ReferenceDevice cpu = new ReferenceDevice("cpu:0", 1L << 20);
    private final ReferenceDevice accelerator = new ReferenceDevice("opencl:0", 1L << 20);

    @Test
    void theFirstJobOpensTheSocketWhichListsAndMovesJobsAndTheLastJobRemovesIt() throws Exception {
        add("cpu", cpu);
        add("opencl", accelerator);
        LiveJobs jobs = new LiveJobs(registry, reported::add, directory, () -> false);
        Path socket = ControlDirectory.socketOf(directory, ProcessHandle.current().pid());
        assertFalse(Files.exists(socket), "no jobs, no socket");

        LiveJobs.Job chat = jobs.start("deploy tiny", cpu);
        chat.device().allocate(DType.F32, 100);
        assertTrue(Files.exists(socket), "the first job opens it");
        RuntimeControl.Runtime self = new RuntimeControl.Runtime(ProcessHandle.current().pid(), socket);

        Answer listed = send(self, "list");
        assertEquals(0, listed.code);
        assertTrue(listed.out.matches("(?s)JOB\\s+DEVICE\\s+SINCE\\s+MOVES\\s+LAST MOVE\\s*\\n"
                + "deploy tiny\\s+cpu:0\\s+\\S+\\s+0\\s+-\\s*\\n"), listed.out);

        Answer moved = send(self, "use opencl");
        assertEquals(0, moved.code, moved.err);
        assertTrue(moved.out.startsWith("job 'deploy tiny' moved from cpu:0 to opencl:0: 1 buffers"), moved.out);
        assertSame(accelerator, chat.device().current());

        Answer unknown = send(self, "use cuda");
        assertEquals(1, unknown.code);
        assertTrue(unknown.err.startsWith("no backend named 'cuda' is installed; installed: cpu, opencl"), unknown.err);
        assertEquals(2, send(self, "reboot").code);

        chat.close();
        assertFalse(Files.exists(socket), "the last job removes it");
        assertThrows(IOException.class, () -> send(self, "list"));
    }

    @Test
    void runningSkipsThisProcessAndDeletesSocketsOfEndedProcesses() throws Exception {
        Path mine = Files.createFile(ControlDirectory.socketOf(directory, ProcessHandle.current().pid()));
        long ended = endedProcess();
        Path stale = Files.createFile(ControlDirectory.socketOf(directory, ended));
        Files.createFile(directory.resolve("notes.txt"));
        assertEquals(List.of(), RuntimeControl.running(directory));
        assertFalse(Files.exists(stale), "the stale socket is deleted");
        assertTrue(Files.exists(mine));
        assertEquals(List.of(), RuntimeControl.running(directory.resolve("missing")));
    }

    @Test
    void theFolderComesFromTheEnvironmentElseTheTemporaryFolder() {
        assertEquals(directory, ControlDirectory.resolve(Map.of(ControlDirectory.ENVIRONMENT, directory.toString())));
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "kiln-" + System.getProperty("user.name")),
                ControlDirectory.resolve(Map.of()));
    }

    private static long endedProcess() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }

    private record Answer(int code, String out, String err) {}

    private static Answer send(RuntimeControl.Runtime runtime, String request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RuntimeControl.send(runtime, request, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Answer(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private void add(String name, Device device) {
        FixedBackends.register(registry, name, 0, device);
    }
}
