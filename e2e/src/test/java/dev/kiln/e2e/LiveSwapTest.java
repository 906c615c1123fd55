package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live backend swaps between processes, with the real hal-opencl jar (on PoCL in CI): a
 * {@code kiln deploy} answering a stream of requests while {@code kiln backend use} in another
 * process moves it to OpenCL and back, and while the jar is deleted from and copied back into the
 * plugins folder; and a {@code kiln pt} run moved to OpenCL mid-way, whose loss curve continues
 * as an unmoved run's does.
 */
class LiveSwapTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern SERVING = Pattern.compile("kiln: serving '(.+)' on http://(.+):(\\d+)/v1 .*");
    private static final Path OPENCL_JAR = KilnProcess.DIST.resolve("plugins/hal-opencl-0.1.0-SNAPSHOT.jar");

    @TempDir
    Path dir;

    @Test
    void aServerKeepsAnsweringWhileItMovesBetweenBackendsAndTheOpenClJarLeavesAndReturns() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        copyAtomically(OPENCL_JAR, plugins.resolve("hal-opencl.jar"));
        assumeOpenCl(plugins);
        Map<String, String> env = Map.of("KILN_RUN_DIR", dir.resolve("run").toString());
        Path model = TinyCheckpoints.model(dir.resolve("tiny"));
        // Started on OpenCL: deploy's plugins folder is live, and installed before the model loads.
        try (KilnProcess server = KilnProcess.start(List.of("--plugins-dir", plugins.toString(), "deploy",
                "--model", model.toString(), "--port", "0", "--device", "opencl"), env)) {
            String line = server.awaitLine(l -> SERVING.matcher(l).matches(), "the serving line", WAIT);
            Matcher serving = SERVING.matcher(line);
            assertTrue(serving.matches());
            URI chat = URI.create("http://" + serving.group(2) + ":" + serving.group(3) + "/v1/chat/completions");
            String expected = answer(chat);

            Requests requests = new Requests(chat, expected);
            Thread client = Thread.ofPlatform().start(requests::loop);
            try {
                requests.awaitMore(2);
                assertMoved(backend(env, "use", "cpu"), "opencl:0", "cpu:0");
                requests.awaitMore(2);
                assertMoved(backend(env, "use", "opencl"), "cpu:0", "opencl:0");
                assertTrue(get(chat.resolve("/health")).contains("\"devices\":{\"tiny\":\"opencl:0\"}"),
                        "the server reports where it runs");
                requests.awaitMore(3);

                Files.delete(plugins.resolve("hal-opencl.jar"));
                server.awaitLine(l -> l.matches("kiln: job 'deploy tiny' moved from opencl:0 to cpu:0: .*"
                        + " \\(backend 'opencl' is leaving\\)"), "the job leaving OpenCL with its bundle", WAIT);
                requests.awaitMore(3);

                copyAtomically(OPENCL_JAR, plugins.resolve("hal-opencl.jar"));
                awaitMove(env, "opencl", "cpu:0", "opencl:0"); // once FileInstall has started the bundle again
                requests.awaitMore(3);
                assertMoved(backend(env, "use", "cpu"), "opencl:0", "cpu:0");
                requests.awaitMore(2);
            } finally {
                requests.stop.set(true);
                client.join(WAIT.toMillis());
            }
            assertEquals(List.of(), requests.failures, "failed or different answers");

            KilnProcess.Result listed = backend(env);
            assertEquals(0, listed.exitCode(), listed.output());
            assertTrue(Pattern.compile("(?m)^deploy tiny\\s+cpu:0\\s+\\S+\\s+5\\s+moved from opencl:0 to cpu:0")
                    .matcher(listed.output()).find(), listed.output());
            assertTrue(server.isAlive(), server.output());
        }
    }

    @Test
    void aTrainingRunMovedMidwayContinuesTheLossCurveOfAnUnmovedRun() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.copy(OPENCL_JAR, plugins.resolve("hal-opencl.jar"));
        assumeOpenCl(plugins);
        Map<String, String> env = Map.of("KILN_RUN_DIR", dir.resolve("run").toString());
        Path model = TinyCheckpoints.configOnly(dir.resolve("tiny-config"));
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            text.append("The kiln fires the clay ").append(i).append(" times.\nThe clay becomes a pot.\n");
        }
        Files.writeString(corpus, text, StandardCharsets.UTF_8);
        List<String> args = List.of("--plugins-dir", plugins.toString(), "pt", "--model", model.toString(),
                "--dataset", corpus.toString(), "--train_type", "full", "--max_steps", "300", "--learning_rate",
                "1e-3", "--gradient_accumulation_steps", "1", "--logging_steps", "1", "--save_steps", "1000",
                "--add_version", "false", "--device", "cpu");

        List<String> unmovedArgs = new ArrayList<>(args);
        unmovedArgs.addAll(List.of("--output_dir", dir.resolve("unmoved").toString()));
        try (KilnProcess unmoved = KilnProcess.start(unmovedArgs, env)) {
            assertEquals(0, unmoved.await(Duration.ofSeconds(240)).exitCode(), unmoved.output());
        }

        List<String> movedArgs = new ArrayList<>(args);
        movedArgs.addAll(List.of("--output_dir", dir.resolve("moved").toString()));
        try (KilnProcess moved = KilnProcess.start(movedArgs, env)) {
            moved.awaitLine(l -> l.startsWith("kiln: step 5 "), "the fifth step", WAIT);
            assertMoved(backend(env, "use", "opencl"), "cpu:0", "opencl:0");
            KilnProcess.Result result = moved.await(Duration.ofSeconds(240));
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("kiln: job 'pt " + model + "' moved from cpu:0 to opencl:0"),
                    result.output());
        }

        double[] expected = losses(dir.resolve("unmoved/logging.jsonl"));
        double[] actual = losses(dir.resolve("moved/logging.jsonl"));
        assertEquals(300, expected.length);
        assertEquals(expected.length, actual.length);
        assertTrue(expected[299] < expected[0] - 1, "the run learns: " + expected[0] + " -> " + expected[299]);
        for (int step = 0; step < expected.length; step++) {
            // Kernels of the two backends round differently; a reset optimizer or a lost update
            // would show as a jump far beyond this.
            assertEquals(expected[step], actual[step], 0.02 + 0.01 * Math.abs(expected[step]), "loss at step "
                    + (step + 1));
        }
    }

    @Test
    void backendWithNoRuntimeToReachSaysSoAndAnUnknownPidIsAnError() throws Exception {
        Map<String, String> env = Map.of("KILN_RUN_DIR", dir.resolve("empty").toString());
        KilnProcess.Result listed = backend(env);
        assertEquals(0, listed.exitCode(), listed.output());
        assertTrue(listed.output().contains("No job is running in this runtime or in another Kiln runtime of this user."),
                listed.output());
        KilnProcess.Result moved = backend(env, "--pid", "1", "use", "cpu");
        assertEquals(1, moved.exitCode(), moved.output());
        assertTrue(moved.output().contains("--pid 1: no Kiln runtime with running jobs has that process id"),
                moved.output());
        KilnProcess.Result wrong = backend(env, "move", "cpu");
        assertEquals(2, wrong.exitCode(), wrong.output());
        assertTrue(wrong.output().contains("expected 'kiln backend' or 'kiln backend use DEVICE'"), wrong.output());
    }

    /** {@code kiln backend ARGS...} in its own process, reaching the runtimes through their sockets. */
    private static KilnProcess.Result backend(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("backend"));
        command.addAll(List.of(args));
        try (KilnProcess process = KilnProcess.start(command, env)) {
            return process.await(WAIT);
        }
    }

    private static void assertMoved(KilnProcess.Result result, String from, String to) {
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(Pattern.compile("(?m)^job '.+' moved from " + from + " to " + to + ": \\d+ buffers, ")
                .matcher(result.output()).find(), result.output());
    }

    /** Retries {@code kiln backend use DEVICE} while the backend is not installed yet. */
    private static void awaitMove(Map<String, String> env, String device, String from, String to) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            KilnProcess.Result result = backend(env, "use", device);
            if (result.exitCode() == 0 || System.nanoTime() > deadline) {
                assertMoved(result, from, to);
                return;
            }
            Thread.sleep(300);
        }
    }

    private static void assumeOpenCl(Path plugins) throws Exception {
        KilnProcess.Result backends = KilnProcess.run("--plugins-dir", plugins.toString(), "backends");
        assumeTrue(Pattern.compile("(?m)^\\s*opencl\\s+yes\\s").matcher(backends.output()).find(),
                "no OpenCL platform here:\n" + backends.output());
    }

    private static void copyAtomically(Path from, Path to) throws Exception {
        Path partial = to.resolveSibling(to.getFileName() + ".part");
        Files.copy(from, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, to, StandardCopyOption.ATOMIC_MOVE);
    }

    private static double[] losses(Path log) throws Exception {
        Pattern loss = Pattern.compile("\"loss\":([-0-9.eE]+)");
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(loss::matcher).filter(Matcher::find)
                .mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String answer(URI chat) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(chat)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Tell me about the kiln.\"}],\"max_tokens\":8,\"temperature\":0}"))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("HTTP " + response.statusCode() + ": " + response.body());
        }
        Matcher content = Pattern.compile("\"content\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(response.body());
        if (!content.find()) {
            throw new AssertionError("no content in " + response.body());
        }
        return content.group(1);
    }

    private static String get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** One client sending the same greedy request over and over, noting anything unexpected. */
    private static final class Requests {
        final URI chat;
        final String expected;
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();

        Requests(URI chat, String expected) {
            this.chat = chat;
            this.expected = expected;
        }

        void loop() {
            while (!stop.get()) {
                try {
                    String got = answer(chat);
                    if (!got.equals(expected)) {
                        failures.add("answer " + answered.get() + ": '" + got + "', expected '" + expected + "'");
                    }
                } catch (Exception | AssertionError e) {
                    failures.add("request " + answered.get() + ": " + e);
                }
                synchronized (this) {
                    answered.incrementAndGet();
                    notifyAll();
                }
            }
        }

        /** Waits until {@code n} more requests have been answered. */
        synchronized void awaitMore(int n) throws InterruptedException {
            int target = answered.get() + n;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (answered.get() < target) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new AssertionError("only " + answered.get() + " of " + target + " requests answered");
                }
                wait(left);
            }
        }
    }
}
