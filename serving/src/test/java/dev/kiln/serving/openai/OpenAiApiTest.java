package dev.kiln.serving.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.generate.GenerationConfig;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.serving.KilnServer;
import dev.kiln.serving.ServerSettings;
import dev.kiln.models.safetensors.SafetensorsFormat;
import dev.kiln.serving.TestClient;
import dev.kiln.serving.TinyAdapters;
import dev.kiln.serving.TinyModels;
import dev.kiln.tuners.lora.LoraTuner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI API of a server running in this JVM over the tiny Llama, through a plain HTTP
 * client: the shapes of responses and streams, what the sampling fields do, and OpenAI's error
 * objects for bad input. (The official clients run against a real {@code kiln deploy} process
 * in the e2e module.)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiApiTest {

    private static final String KEY = "sk-test-key";
    private static final String CHAT = "/v1/chat/completions";

    private final TensorOps ops = TinyModels.ops();
    private ChatModel chat;
    private KilnServer server;
    private TestClient client;

    @BeforeAll
    void start() throws Exception {
        chat = TinyModels.llama(ops);
        server = start(new ServerSettings("127.0.0.1", 0, List.of(KEY), 4, 512, 64L << 20, 8, 64 * 1024));
        client = new TestClient("http://127.0.0.1:" + server.address().getPort(), KEY);
    }

    @AfterAll
    void stop() {
        server.close();
        chat.close();
    }

    private KilnServer start(ServerSettings settings) throws Exception {
        return KilnServer.start(settings, chat, "tiny", GenerationConfig.EMPTY, ops,
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void modelsListsTheServedModel() {
        TestClient.Answer answer = client.get("/v1/models");
        assertEquals(200, answer.status(), answer.body());
        JsonNode model = answer.json().get("data").get(0);
        assertEquals("list", answer.json().get("object").asText());
        assertEquals("tiny", model.get("id").asText());
        assertEquals("model", model.get("object").asText());
        assertEquals(512, model.get("max_model_len").asInt());
    }

    @Test
    void aChatIsAnsweredWholeAndStreamedAlike() {
        ObjectNode request = chatRequest("Hello!", 8);
        JsonNode whole = ok(client.post(CHAT, request));
        assertEquals("chat.completion", whole.get("object").asText());
        assertTrue(whole.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("tiny", whole.get("model").asText());
        JsonNode choice = whole.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        JsonNode usage = whole.get("usage");
        int completion = usage.get("completion_tokens").asInt();
        assertTrue(completion >= 1 && completion <= 8, usage.toString());
        assertEquals(choice.get("finish_reason").asText(), completion == 8 ? "length" : "stop");
        assertEquals(usage.get("prompt_tokens").asInt() + completion, usage.get("total_tokens").asInt());

        request.put("stream", true);
        request.putObject("stream_options").put("include_usage", true);
        TestClient.Answer streamed = client.post(CHAT, request);
        assertEquals(200, streamed.status());
        assertTrue(streamed.response().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        assertTrue(streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
        List<JsonNode> events = streamed.events();
        assertEquals("assistant", events.getFirst().get("choices").get(0).get("delta").get("role").asText());
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (JsonNode event : events.subList(0, events.size() - 1)) {
            assertEquals("chat.completion.chunk", event.get("object").asText());
            assertTrue(event.get("usage").isNull(), "usage is null until the last chunk: " + event);
            JsonNode c = event.get("choices").get(0);
            content.append(c.get("delta").path("content").asText(""));
            if (!c.get("finish_reason").isNull()) {
                finish = c.get("finish_reason").asText();
            }
        }
        JsonNode last = events.getLast();
        assertEquals(0, last.get("choices").size());
        assertEquals(usage, last.get("usage"), "the stream's usage is the whole answer's");
        assertEquals(choice.get("message").get("content").asText(), content.toString(), "greedy: the same text");
        assertEquals(choice.get("finish_reason").asText(), finish);
    }

    @Test
    void stopEndsTheTextBeforeTheStopString() {
        JsonNode free = ok(client.post("/v1/completions", completionRequest("The weather today", 24)));
        String text = free.get("choices").get(0).get("text").asText();
        assertTrue(text.length() > 6, "the tiny model says something: " + text);
        String stop = text.substring(4, 6);
        ObjectNode request = completionRequest("The weather today", 24);
        request.put("stop", stop);
        JsonNode stopped = ok(client.post("/v1/completions", request)).get("choices").get(0);
        assertEquals(text.substring(0, text.indexOf(stop)), stopped.get("text").asText());
        assertEquals("stop", stopped.get("finish_reason").asText());
    }

    @Test
    void seededSamplingRepeatsAndChoicesDiffer() {
        ObjectNode request = completionRequest("Tell me a story", 12);
        request.put("temperature", 1.0);
        request.put("seed", 7);
        request.put("n", 3);
        JsonNode first = ok(client.post("/v1/completions", request));
        JsonNode again = ok(client.post("/v1/completions", request));
        assertEquals(3, first.get("choices").size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, first.get("choices").get(i).get("index").asInt());
            assertEquals(first.get("choices").get(i).get("text"), again.get("choices").get(i).get("text"));
        }
        assertNotEquals(first.get("choices").get(0).get("text"), first.get("choices").get(1).get("text"));
        JsonNode usage = first.get("usage");
        assertEquals(36, usage.get("completion_tokens").asInt(), "3 choices × 12 tokens: " + usage);
    }

    @Test
    void logprobsComeWithTheirTopAlternatives() {
        ObjectNode request = chatRequest("Hi", 5);
        request.put("logprobs", true);
        request.put("top_logprobs", 3);
        JsonNode answer = ok(client.post(CHAT, request));
        JsonNode content = answer.get("choices").get(0).get("logprobs").get("content");
        assertEquals(answer.get("usage").get("completion_tokens").asInt(), content.size());
        for (JsonNode token : content) {
            assertEquals(3, token.get("top_logprobs").size());
            assertTrue(token.get("logprob").asDouble() <= 0);
            JsonNode best = token.get("top_logprobs").get(0);
            assertEquals(best.get("logprob").asDouble(), token.get("logprob").asDouble(), 1e-9,
                    "greedy picks the most likely token");
            assertTrue(token.get("bytes").isArray());
        }

        request.put("stream", true);
        List<JsonNode> streamedLogprobs = new ArrayList<>();
        for (JsonNode event : client.post(CHAT, request).events()) {
            JsonNode logprobs = event.get("choices").get(0).get("logprobs");
            if (logprobs != null && !logprobs.isNull()) {
                logprobs.get("content").forEach(streamedLogprobs::add);
            }
        }
        assertEquals(List.copyOf(toList(content)), streamedLogprobs, "streamed token by token, the same");

        ObjectNode legacy = completionRequest("Hi", 4);
        legacy.put("logprobs", 2);
        JsonNode logprobs = ok(client.post("/v1/completions", legacy)).get("choices").get(0).get("logprobs");
        assertEquals(4, logprobs.get("tokens").size());
        assertEquals(4, logprobs.get("token_logprobs").size());
        assertEquals(0, logprobs.get("text_offset").get(0).asInt());
        assertTrue(logprobs.get("top_logprobs").get(0).size() >= 1);
    }

    @Test
    void aBatchOfPromptsNumbersItsChoicesPromptByPrompt() {
        ObjectNode request = completionRequest("x", 3);
        request.putArray("prompt").add("First prompt").add("Second prompt");
        request.put("n", 2);
        JsonNode answer = ok(client.post("/v1/completions", request));
        assertEquals(4, answer.get("choices").size());
        JsonNode first = ok(client.post("/v1/completions", completionRequest("First prompt", 3)));
        JsonNode second = ok(client.post("/v1/completions", completionRequest("Second prompt", 3)));
        for (int c = 0; c < 4; c++) {
            assertEquals(c, answer.get("choices").get(c).get("index").asInt());
            assertEquals((c < 2 ? first : second).get("choices").get(0).get("text"),
                    answer.get("choices").get(c).get("text"), "greedy choice " + c);
        }
        assertEquals(first.get("usage").get("prompt_tokens").asInt() + second.get("usage").get("prompt_tokens").asInt(),
                answer.get("usage").get("prompt_tokens").asInt(), "each prompt counted once, whatever n");
    }

    @Test
    void embeddingsAreUnitVectorsAsFloatsOrBase64() {
        ObjectNode request = TestClient.parse("{\"model\": \"tiny\"}").deepCopy();
        request.putArray("input").add("a first sentence").add("another one");
        JsonNode floats = ok(client.post("/v1/embeddings", request));
        assertEquals("list", floats.get("object").asText());
        assertEquals(2, floats.get("data").size());
        JsonNode first = floats.get("data").get(0).get("embedding");
        assertEquals(8, first.size(), "the tiny Llama's hidden size");
        double norm = 0;
        for (JsonNode v : first) {
            norm += v.asDouble() * v.asDouble();
        }
        assertEquals(1.0, norm, 1e-5);
        request.put("encoding_format", "base64");
        JsonNode encoded = ok(client.post("/v1/embeddings", request));
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(
                encoded.get("data").get(0).get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : first) {
            assertEquals(v.floatValue(), bytes.getFloat(), 0f);
        }
        assertTrue(floats.get("usage").get("prompt_tokens").asInt() > 0);
    }

    @Test
    void badRequestsGetOpenAisErrorObjects() {
        error(client.post(CHAT, "{not json"), 400, null, null);
        error(client.post(CHAT, "[1, 2]"), 400, null, null);
        error(client.post(CHAT, "{\"model\": \"tiny\"}"), 400, "messages", null);
        error(client.post(CHAT, "{\"model\": \"tiny\", \"messages\": []}"), 400, "messages", null);
        error(client.post(CHAT, "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\"}]}"),
                400, "messages[0].content", null);
        error(client.post(CHAT, "{\"model\": \"tiny\", \"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}"),
                400, "messages[0].role", null);
        ObjectNode hot = chatRequest("x", 2);
        hot.put("temperature", "hot");
        error(client.post(CHAT, hot), 400, "temperature", null);
        ObjectNode tooHot = chatRequest("x", 2);
        tooHot.put("temperature", 3);
        error(client.post(CHAT, tooHot), 400, "temperature", null);
        ObjectNode tooLong = chatRequest("x", 600);
        error(client.post(CHAT, tooLong), 400, "max_tokens", "context_length_exceeded");
        ObjectNode tooMany = chatRequest("x", 2);
        tooMany.put("n", 5);
        error(client.post(CHAT, tooMany), 400, "n", null);
        ObjectNode unknown = chatRequest("x", 2);
        unknown.put("model", "gpt-4");
        error(client.post(CHAT, unknown), 404, "model", "model_not_found");
        error(client.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": [99999]}"), 400, "prompt", null);
        error(client.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": {}}"), 400, "prompt", null);
        error(client.post("/v1/nothing", "{}"), 404, null, "unknown_url");
        error(client.get(CHAT), 405, null, "method_not_allowed");
        TestClient.Answer large = client.post(CHAT, "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\","
                + " \"content\": \"" + "x".repeat(100_000) + "\"}]}");
        error(large, 413, null, "request_too_large");
    }

    @Test
    void theApiKeyIsRequiredOnTheApiOnly() {
        error(client.withKey(null).get("/v1/models"), 401, null, "invalid_api_key");
        error(client.withKey("sk-wrong").post(CHAT, chatRequest("x", 2)), 401, null, "invalid_api_key");
        TestClient.Answer health = client.withKey(null).get("/health");
        assertEquals(200, health.status());
        assertEquals("ok", health.json().path("status").asText(), health.body());
        assertTrue(health.json().path("devices").path("tiny").asText().matches("cpu:\\d+"), health.body());
        assertEquals(200, client.withKey(null).get("/metrics").status());
    }

    @Test
    void overCapacityIsA429WithRetryAfter() throws Exception {
        try (KilnServer small = start(new ServerSettings("127.0.0.1", 0, List.of(), 1, 4096, 64L << 20, 1, 1 << 20))) {
            TestClient c = new TestClient("http://127.0.0.1:" + small.address().getPort(), null);
            ObjectNode request = completionRequest("Count to a thousand", 4000);
            List<CompletableFuture<TestClient.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> c.post("/v1/completions", request)));
            }
            int rejected = 0;
            for (CompletableFuture<TestClient.Answer> answer : answers) {
                TestClient.Answer a = answer.get();
                if (a.status() == 429) {
                    rejected++;
                    assertEquals("1", a.response().headers().firstValue("Retry-After").orElse(null));
                    assertEquals("rate_limit_exceeded", a.json().get("error").get("code").asText());
                } else {
                    assertEquals(200, a.status(), a.body());
                }
            }
            assertTrue(rejected >= 1 && rejected <= 6, rejected + " of 8 refused: one slot and one queue place");
            assertTrue(c.get("/metrics").body().contains("kiln_requests_rejected_total " + rejected));
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        try (KilnServer small = start(new ServerSettings("127.0.0.1", 0, List.of(), 1, 4096, 64L << 20, 4, 1 << 20))) {
            int port = small.address().getPort();
            TestClient c = new TestClient("http://127.0.0.1:" + port, null);
            String body = "{\"model\": \"tiny\", \"prompt\": \"Go on and on\", \"max_tokens\": 4000,"
                    + " \"stream\": true, \"ignore_eos\": true}";
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                int events = 0;
                for (String line = in.readLine(); line != null && events < 3; line = in.readLine()) {
                    if (line.contains("data: {")) {
                        events++;
                    }
                }
                assertEquals(3, events);
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (gauge(c, "kiln_requests_running") != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, gauge(c, "kiln_requests_running"), "the slot was freed");
            double generated = gauge(c, "kiln_generation_tokens_total");
            assertTrue(generated < 4000, "generation stopped early, after " + generated + " tokens");
            JsonNode next = ok(c.post("/v1/completions", completionRequest("Next!", 3)));
            assertEquals(3, next.get("usage").get("completion_tokens").asInt());
        }
    }

    @Test
    void adaptersAreLoadedServedAndUnloadedAtRuntime(@TempDir Path dir) throws Exception {
        Path adapter = TinyAdapters.write(dir.resolve("support"), chat.loaded().model().linearLayers(), 5, -1);
        try (KilnServer withLora = KilnServer.start(new ServerSettings("127.0.0.1", 0, List.of(), 4, 512,
                64L << 20, 8, 1 << 20), chat, "tiny", GenerationConfig.EMPTY, ops,
                Map.of("lora", new LoraTuner(List.of(new SafetensorsFormat()))), Map.of(),
                new PrintStream(OutputStream.nullOutputStream()))) {
            TestClient c = new TestClient("http://127.0.0.1:" + withLora.address().getPort(), null);
            ObjectNode load = TestClient.parse("{\"lora_name\": \"support\"}").deepCopy();
            load.put("lora_path", adapter.toString());
            ok(c.post("/v1/load_lora_adapter", load));
            JsonNode models = ok(c.get("/v1/models")).get("data");
            assertEquals(2, models.size());
            assertEquals("support", models.get(1).get("id").asText());
            assertEquals("tiny", models.get(1).get("parent").asText());

            ObjectNode request = chatRequest("Which adapter?", 12);
            String base = ok(c.post(CHAT, request)).get("choices").get(0).get("message").get("content").asText();
            request.put("model", "support");
            JsonNode adapted = ok(c.post(CHAT, request));
            assertEquals("support", adapted.get("model").asText());
            assertNotEquals(base, adapted.get("choices").get(0).get("message").get("content").asText());
            error(c.post("/v1/load_lora_adapter", load), 400, "lora_path", null);

            ok(c.post("/v1/unload_lora_adapter", TestClient.parse("{\"lora_name\": \"support\"}")));
            error(c.post(CHAT, request), 404, "model", "model_not_found");
            error(c.post("/v1/unload_lora_adapter", TestClient.parse("{\"lora_name\": \"tiny\"}")),
                    400, "lora_name", null);
            ObjectNode missing = load.deepCopy();
            missing.put("lora_path", dir.resolve("nowhere").toString());
            error(c.post("/v1/load_lora_adapter", missing), 400, "lora_path", null);
        }
    }

    @Test
    void metricsAreInPrometheusTextFormat() {
        ok(client.post(CHAT, chatRequest("Count me", 3)));
        String metrics = client.get("/metrics").body();
        for (String series : List.of("kiln_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"}",
                "kiln_prompt_tokens_total", "kiln_generation_tokens_total",
                "kiln_time_to_first_token_seconds_bucket{le=\"+Inf\"}", "kiln_inter_token_latency_seconds_count",
                "kiln_request_duration_seconds_bucket{endpoint=\"/v1/chat/completions\",le=\"0.001\"}",
                "kiln_batch_size_bucket{le=\"4\"}", "kiln_requests_waiting", "kiln_kv_cache_usage_ratio",
                "kiln_kv_cache_capacity_tokens 2048")) {
            assertTrue(metrics.contains(series), series + " in\n" + metrics);
        }
        for (String line : metrics.split("\n")) {
            assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ")
                    || line.matches("[a-z_]+(\\{[^}]*\\})? [-+0-9.eEInfa]+"), "a Prometheus line: " + line);
        }
        assertTrue(gauge(client, "kiln_generation_tokens_total") >= 3);
    }

    // ---- helpers --------------------------------------------------------------------------

    private static ObjectNode chatRequest(String content, int maxTokens) {
        ObjectNode request = TestClient.parse("{\"model\": \"tiny\", \"temperature\": 0}").deepCopy();
        request.putArray("messages").addObject().put("role", "user").put("content", content);
        request.put("max_tokens", maxTokens);
        return request;
    }

    private static ObjectNode completionRequest(String prompt, int maxTokens) {
        ObjectNode request = TestClient.parse("{\"model\": \"tiny\", \"temperature\": 0}").deepCopy();
        request.put("prompt", prompt);
        request.put("max_tokens", maxTokens);
        return request;
    }

    private static JsonNode ok(TestClient.Answer answer) {
        assertEquals(200, answer.status(), answer.body());
        return answer.json();
    }

    private static void error(TestClient.Answer answer, int status, String param, String code) {
        assertEquals(status, answer.status(), answer.body());
        JsonNode error = answer.json().get("error");
        assertFalse(error.get("message").asText().isEmpty(), answer.body());
        assertTrue(error.has("type") && error.has("param") && error.has("code"), answer.body());
        assertEquals(param, error.get("param").isNull() ? null : error.get("param").asText(), answer.body());
        if (code != null) {
            assertEquals(code, error.get("code").asText(), answer.body());
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    private static double gauge(TestClient client, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(client.get("/metrics").body());
        assertTrue(m.find(), name);
        return Double.parseDouble(m.group(1));
    }
}
