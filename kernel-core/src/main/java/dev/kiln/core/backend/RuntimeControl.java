package dev.kiln.core.backend;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The client side of {@link ControlSocket}: finds the other Kiln runtimes of this user that have
 * running jobs, and sends one of them a {@code kiln backend} request.
 */
public final class RuntimeControl {

    /** Another runtime: its process id and control socket. */
    public record Runtime(long pid, Path socket) {}

    private RuntimeControl() {}

    /**
     * The runtimes with a control socket in {@code directory}, by process id, this process
     * excluded. Sockets whose process has ended are deleted.
     */
    public static List<Runtime> running(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<Runtime> runtimes = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!name.matches("\\d+\\.sock")) {
                    continue;
                }
                long pid = Long.parseLong(name.substring(0, name.length() - ".sock".length()));
                if (pid == self) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    runtimes.add(new Runtime(pid, file));
                } else {
                    Files.deleteIfExists(file);
                }
            }
        }
        runtimes.sort(Comparator.comparingLong(Runtime::pid));
        return runtimes;
    }

    /**
     * Sends {@code request} ({@code list}, {@code use DEVICE}) and copies the answer to
     * {@code out} and {@code err}.
     *
     * @return the exit code the runtime answered
     * @throws IOException when the runtime cannot be reached or hangs up before answering
     */
    public static int send(Runtime runtime, String request, PrintStream out, PrintStream err) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(runtime.socket()));
            Writer writer = Channels.newWriter(channel, StandardCharsets.UTF_8);
            writer.write(request + "\n");
            writer.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("out ")) {
                    out.println(line.substring(4));
                } else if (line.startsWith("err ")) {
                    err.println(line.substring(4));
                } else if (line.startsWith("exit ")) {
                    return Integer.parseInt(line.substring(5).strip());
                }
            }
            throw new IOException("runtime " + runtime.pid() + " hung up before answering '" + request + "'");
        }
    }
}
