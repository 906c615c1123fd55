package dev.kiln.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code bin/kiln} process of the assembled distribution, with its output collected line by
 * line as it comes, so a test can wait for what a user would wait for.
 */
final class KilnProcess implements AutoCloseable {

    static final Path DIST = Path.of(System.getProperty("kiln.dist", "../distribution/target/kiln"))
            .toAbsolutePath().normalize();

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private KilnProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofVirtual().start(this::collect);
    }

    /** Starts {@code bin/kiln args...}; stdout and stderr are merged, as a terminal shows them. */
    static KilnProcess start(List<String> args) throws IOException {
        return start(args, Map.of());
    }

    static KilnProcess start(List<String> args, Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(DIST.resolve("bin/kiln").toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        return new KilnProcess(builder.start());
    }

    /** Runs {@code bin/kiln args...} to completion. */
    static Result run(String... args) throws IOException, InterruptedException {
        try (KilnProcess p = start(List.of(args))) {
            return p.await(Duration.ofSeconds(60));
        }
    }

    /** What a finished process printed and its exit code. */
    record Result(int exitCode, String output) {}

    Result await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("kiln did not finish within " + timeout + "; output so far:\n"
                    + output());
        }
        reader.join(timeout.toMillis());
        return new Result(process.exitValue(), output());
    }

    /** Waits until a line matching {@code expected} has been printed; fails with the output if not. */
    String awaitLine(Predicate<String> expected, String what, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (String line : lines) {
                    if (expected.test(line)) {
                        return line;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("kiln never printed " + what + " (alive: "
                            + process.isAlive() + "); output:\n" + String.join("\n", lines));
                }
                lines.wait(Math.min(left, 200));
            }
        }
    }

    /** Types {@code text} into the process's standard input, then closes it when {@code end}. */
    void type(String text, boolean end) throws IOException {
        var in = process.getOutputStream();
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
        if (end) {
            in.close();
        }
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGINT, as Ctrl-C in a terminal does (bin/kiln execs the JVM: it is this process). */
    void interrupt() throws IOException, InterruptedException {
        int code = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO()
                .start().waitFor();
        if (code != 0) {
            throw new AssertionError("kill -INT " + process.pid() + " exited with " + code);
        }
    }

    /** Sends SIGTERM, as Ctrl-C or a service manager would stop it, and waits for the exit. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kiln did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    private void collect() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException closed) {
            // The process is gone; what it printed is in lines.
        }
        synchronized (lines) {
            lines.notifyAll();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
