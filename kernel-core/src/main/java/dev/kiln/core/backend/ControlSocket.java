package dev.kiln.core.backend;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The local endpoint through which {@code kiln backend} in another process reaches this
 * runtime's {@link LiveJobs}: a Unix domain socket, {@code <pid>.sock} in the
 * {@link ControlDirectory}, open while the runtime has jobs.
 *
 * <p>The protocol is lines of UTF-8. The client sends one request, {@code list} or
 * {@code use DEVICE}; the runtime answers with {@code out TEXT} and {@code err TEXT} lines (what
 * {@link BackendControl} printed) and a last line {@code exit CODE}, then closes.
 */
final class ControlSocket implements AutoCloseable {

    private final Path path;
    private final ServerSocketChannel server;
    private final LiveJobs jobs;

    private ControlSocket(Path path, ServerSocketChannel server, LiveJobs jobs) {
        this.path = path;
        this.server = server;
        this.jobs = jobs;
    }

    /** Opens this process's socket in {@code directory} and starts answering on it. */
    static ControlSocket open(Path directory, LiveJobs jobs) throws IOException {
        Path path = ControlDirectory.socketOf(ControlDirectory.create(directory), ProcessHandle.current().pid());
        Files.deleteIfExists(path); // left by an earlier process with the same id
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        ControlSocket socket = new ControlSocket(path, server, jobs);
        Thread.ofPlatform().daemon().name("kiln-control").start(socket::acceptLoop);
        return socket;
    }

    Path path() {
        return path;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("kiln-control-request").start(() -> answer(client));
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private void answer(SocketChannel client) {
        try (client;
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                        StandardCharsets.UTF_8));
                Writer reply = Channels.newWriter(client, StandardCharsets.UTF_8)) {
            String request = in.readLine();
            if (request == null) {
                return; // a client checking that the socket is alive
            }
            ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
            ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
            int code;
            try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
                    PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
                code = handle(request.strip(), out, err);
            }
            send(reply, "out", outBytes);
            send(reply, "err", errBytes);
            reply.write("exit " + code + "\n");
            reply.flush();
        } catch (IOException clientGone) {
            // Nothing to answer to.
        }
    }

    private int handle(String request, PrintStream out, PrintStream err) {
        try {
            if (request.equals("list")) {
                BackendControl.list(jobs, out);
                return 0;
            }
            if (request.startsWith("use ") && !request.substring(4).isBlank()) {
                return BackendControl.use(jobs, request.substring(4).strip(), out, err);
            }
            err.println("unknown request '" + request + "': expected 'list' or 'use DEVICE'");
            return 2;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    private static void send(Writer reply, String stream, ByteArrayOutputStream text) throws IOException {
        for (String line : text.toString(StandardCharsets.UTF_8).lines().toList()) {
            reply.write(stream + " " + line + "\n");
        }
    }

    /** Stops answering and removes the socket file. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a stale file is skipped by clients
        }
    }
}
