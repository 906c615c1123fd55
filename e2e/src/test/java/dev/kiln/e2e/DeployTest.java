package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln deploy} as a real process serving the tiny random Llama 2 GGUF (weights-gguf's
 * fixture), used by two unchanged OpenAI clients: the official {@code openai} npm package
 * (src/test/node, run with node) and langchain4j's OpenAI module.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployTest {

    private static final Path GGUF = Path.of(
            "../plugins-models/weights-gguf/src/test/resources/fixtures/llama-2-tiny-random.gguf")
            .toAbsolutePath().normalize();
    private static final Path NODE_TESTS = Path.of("src/test/node").toAbsolutePath();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern SERVING = Pattern.compile("kiln: serving '(.+)' on http://(.+):(\\d+)/v1 .*");

    private static final String KEY = "sk-kiln-e2e";
    private static final int SLOTS = 4;
    private static final int QUEUE = 8;
    private static final int MAX_REQUEST_BYTES = 1 << 20;

    private KilnProcess server;
    private String baseUrl;

    @BeforeAll
    void startServer() throws Exception {
        server = KilnProcess.start(List.of("deploy", "--model", GGUF.toString(), "--port", "0",
                "--api_key", KEY, "--served_model_name", "tiny", "--max_num_seqs", String.valueOf(SLOTS),
                "--max_queue_size", String.valueOf(QUEUE), "--max_request_bytes", String.valueOf(MAX_REQUEST_BYTES)));
        Matcher serving = serving(server);
        assertEquals("tiny", serving.group(1));
        assertEquals("0.0.0.0", serving.group(2), "with an API key it listens on every interface");
        baseUrl = "http://127.0.0.1:" + serving.group(3) + "/v1";
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (server != null) {
            assertEquals(143, server.terminate(WAIT), "SIGTERM stops the server:\n" + server.output());
            server.close();
        }
    }

    @Test
    void theOfficialOpenAiNpmClientWorksUnchanged() throws Exception {
        Optional<String> node = nodeVersion();
        assumeTrue(node.isPresent(), "node is not on the PATH: the openai npm client test is skipped");
        assumeTrue(Files.isDirectory(NODE_TESTS.resolve("node_modules/openai")),
                "the openai npm package is not installed: run 'npm ci' in " + NODE_TESTS
                        + " (.ci/run does) to run this test");
        ProcessBuilder builder = new ProcessBuilder("node", "--test", "openai-client.test.mjs")
                .directory(NODE_TESTS.toFile()).redirectErrorStream(true);
        builder.environment().put("KILN_BASE_URL", baseUrl);
        builder.environment().put("KILN_API_KEY", KEY);
        builder.environment().put("KILN_MODEL", "tiny");
        builder.environment().put("KILN_SLOTS", String.valueOf(SLOTS));
        builder.environment().put("KILN_QUEUE", String.valueOf(QUEUE));
        builder.environment().put("KILN_MAX_REQUEST_BYTES", String.valueOf(MAX_REQUEST_BYTES));
        builder.environment().put("KILN_MAX_MODEL_LEN", "4096");
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(process));
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "node's tests did not finish in 5 minutes");
        String report = output.get();
        assertEquals(0, process.exitValue(), "node " + node.get() + " --test:\n" + report
                + "\nserver output:\n" + server.output());
        assertTrue(report.contains("# pass 11") && report.contains("# fail 0"), report);
        assertTrue(server.isAlive(), "the server survived every request:\n" + server.output());
    }

    @Test
    void langchain4jsOpenAiModelsWorkUnchanged() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(baseUrl).apiKey(KEY).modelName("tiny")
                .temperature(0.0).maxTokens(8).timeout(WAIT).build();
        ChatResponse answer = chat.chat(UserMessage.from("Hello from langchain4j"));
        assertNotNull(answer.aiMessage().text());
        assertTrue(answer.tokenUsage().inputTokenCount() > 0, answer.toString());
        int generated = answer.tokenUsage().outputTokenCount();
        assertTrue(generated >= 1 && generated <= 8, answer.toString());
        assertEquals(generated == 8 ? FinishReason.LENGTH : FinishReason.STOP, answer.finishReason());

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey(KEY)
                .modelName("tiny").temperature(0.0).maxTokens(8).timeout(WAIT).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partials = new StringBuilder();
        streaming.chat(List.of(UserMessage.from("Hello from langchain4j")), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                partials.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
        assertEquals(answer.aiMessage().text(), partials.toString(), "greedy: streamed as answered");
        assertEquals(answer.aiMessage().text(), streamed.aiMessage().text());
        assertEquals(answer.finishReason(), streamed.finishReason());

        OpenAiEmbeddingModel embeddings = OpenAiEmbeddingModel.builder().baseUrl(baseUrl).apiKey(KEY)
                .modelName("tiny").timeout(WAIT).build();
        Embedding embedding = embeddings.embed("a sentence to embed").content();
        double norm = 0;
        for (float v : embedding.vector()) {
            norm += v * v;
        }
        assertEquals(8, embedding.dimension(), "the tiny Llama's hidden size");
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void withoutAKeyItListensOnLoopbackOnly(@TempDir Path dir) throws Exception {
        try (KilnProcess open = KilnProcess.start(List.of("deploy", "--model", GGUF.toString(), "--port", "0"))) {
            Matcher serving = serving(open);
            assertEquals("llama-2-tiny-random", serving.group(1), "named after the file by default");
            assertEquals("127.0.0.1", serving.group(2));
            int port = Integer.parseInt(serving.group(3));
            try (Socket loopback = new Socket("127.0.0.1", port)) {
                assertTrue(loopback.isConnected());
            }
            for (InetAddress address : outsideAddresses()) {
                assertThrows(ConnectException.class, () -> {
                    try (Socket outside = new Socket()) {
                        outside.connect(new InetSocketAddress(address, port), 2000);
                    }
                }, "not reachable on " + address);
            }
            assertEquals(143, open.terminate(WAIT));
        }
    }

    @Test
    void adaptersAreServedOverTheBaseModelAndLoadedAtRuntime(@TempDir Path dir) throws Exception {
        Path support = writeAdapter(dir.resolve("support"), 1);
        Path sql = writeAdapter(dir.resolve("sql"), 2);
        try (KilnProcess lora = KilnProcess.start(List.of("deploy", "--model", GGUF.toString(), "--port", "0",
                "--served_model_name", "tiny", "--adapters", "support=" + support))) {
            Matcher serving = serving(lora);
            String base = "http://127.0.0.1:" + serving.group(3) + "/v1";
            HttpClient http = HttpClient.newHttpClient();
            String models = send(http, base + "/models", null);
            assertTrue(models.contains("\"id\":\"tiny\"") && models.contains("\"id\":\"support\"")
                    && models.contains("\"parent\":\"tiny\""), models);
            String load = send(http, base + "/load_lora_adapter",
                    "{\"lora_name\": \"sql\", \"lora_path\": \"" + sql + "\"}");
            assertTrue(load.contains("added successfully"), load);
            List<String> answers = new ArrayList<>();
            for (String model : List.of("tiny", "support", "sql")) {
                String answer = send(http, base + "/completions", "{\"model\": \"" + model
                        + "\", \"prompt\": \"Which adapter?\", \"max_tokens\": 12, \"temperature\": 0}");
                Matcher text = Pattern.compile("\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(answer);
                assertTrue(text.find(), answer);
                answers.add(text.group(1));
            }
            assertEquals(3, Set.copyOf(answers).size(), "base and two adapters answer differently: " + answers);
            assertTrue(send(http, base + "/unload_lora_adapter", "{\"lora_name\": \"sql\"}").contains("removed"));
            assertEquals(143, lora.terminate(WAIT));
        }
    }

    @Test
    void badOptionsAreOneClearLine(@TempDir Path dir) throws Exception {
        KilnProcess.Result size = KilnProcess.run("deploy", "--model", GGUF.toString(), "--kv_cache_memory", "lots");
        assertEquals(2, size.exitCode(), size.output());
        assertTrue(size.output().contains("--kv_cache_memory: 'lots' is not a size (e.g. 512M, 2G)"), size.output());

        KilnProcess.Result tooSmall = KilnProcess.run("deploy", "--model", GGUF.toString(), "--kv_cache_memory", "1K");
        assertEquals(1, tooSmall.exitCode(), tooSmall.output());
        assertTrue(tooSmall.output().contains("holds no sequence of 4096 tokens"), tooSmall.output());

        Path keys = Files.writeString(dir.resolve("keys.txt"), "# no keys here\n\n");
        KilnProcess.Result noKeys = KilnProcess.run("deploy", "--model", GGUF.toString(), "--api_key_file", keys.toString());
        assertEquals(1, noKeys.exitCode(), noKeys.output());
        assertTrue(noKeys.output().contains("--api_key_file " + keys + ": holds no key"), noKeys.output());

        KilnProcess.Result badAdapter = KilnProcess.run("deploy", "--model", GGUF.toString(), "--adapters", "x");
        assertEquals(2, badAdapter.exitCode(), badAdapter.output());
        assertTrue(badAdapter.output().contains("--adapters x: expected NAME=DIR"), badAdapter.output());

        KilnProcess.Result noAdapter = KilnProcess.run("deploy", "--model", GGUF.toString(), "--adapters",
                "a=" + dir.resolve("missing"));
        assertEquals(1, noAdapter.exitCode(), noAdapter.output());
        assertTrue(noAdapter.output().contains("no adapter_config.json (not an adapter directory)"), noAdapter.output());

        KilnProcess.Result tooLong = KilnProcess.run("deploy", "--model", GGUF.toString(), "--max_model_len", "5000");
        assertEquals(1, tooLong.exitCode(), tooLong.output());
        assertTrue(tooLong.output().contains("--max_model_len 5000 is longer than the model's 4096 positions"),
                tooLong.output());
    }

    // ---- helpers --------------------------------------------------------------------------

    /** A GET (body null) or a JSON POST; the answer's body, which must come with 200. */
    private static String send(HttpClient http, String url, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return response.body();
    }

    /**
     * A PEFT LoRA adapter for the tiny Llama (hidden size 8, vocabulary 32000) on q_proj and
     * lm_head, r 2, with seeded random A and B: adapter_config.json and adapter_model.safetensors.
     */
    private static Path writeAdapter(Path directory, long seed) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2,"
                + " \"lora_alpha\": 4, \"lora_dropout\": 0.0, \"target_modules\": [\"q_proj\", \"lm_head\"]}");
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", new int[] {2, 8});
        shapes.put("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", new int[] {8, 2});
        shapes.put("base_model.model.lm_head.lora_A.weight", new int[] {2, 8});
        shapes.put("base_model.model.lm_head.lora_B.weight", new int[] {32000, 2});
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, int[]> t : shapes.entrySet()) {
            long size = 4L * t.getValue()[0] * t.getValue()[1];
            header.append(header.length() > 1 ? "," : "").append('"').append(t.getKey())
                    .append("\":{\"dtype\":\"F32\",\"shape\":[").append(t.getValue()[0]).append(',')
                    .append(t.getValue()[1]).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + size).append("]}");
            offset += size;
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        Random random = new Random(seed);
        while (out.hasRemaining()) {
            out.putFloat((float) random.nextGaussian());
        }
        Files.write(directory.resolve("adapter_model.safetensors"), out.array());
        return directory;
    }

    private static Matcher serving(KilnProcess process) throws InterruptedException {
        String line = process.awaitLine(l -> SERVING.matcher(l).matches(), "the serving line", WAIT);
        Matcher m = SERVING.matcher(line);
        assertTrue(m.matches());
        return m;
    }

    private static Optional<String> nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = read(p).strip();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? Optional.of(version) : Optional.empty();
        } catch (IOException | InterruptedException e) {
            return Optional.empty();
        }
    }

    private static String read(Process process) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder out = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.append(line).append('\n');
            }
            return out.toString();
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    /** This machine's IPv4 addresses other than loopback: where a loopback-only server must not answer. */
    private static List<InetAddress> outsideAddresses() throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                        addresses.add(address);
                    }
                }
            }
        }
        assertFalse(addresses.stream().anyMatch(InetAddress::isLoopbackAddress));
        return addresses;
    }
}
