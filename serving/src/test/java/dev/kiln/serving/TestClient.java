package dev.kiln.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A plain HTTP client for the server under test: JSON in, status and JSON (or SSE events) out. */
public final class TestClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String key;

    /** @param key the API key sent as a Bearer token, or null for none */
    public TestClient(String base, String key) {
        this.base = base;
        this.key = key;
    }

    public TestClient withKey(String other) {
        return new TestClient(base, other);
    }

    /** An answer: status, headers and body. */
    public record Answer(int status, HttpResponse<String> response) {
        public JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + response.body(), e);
            }
        }

        public String body() {
            return response.body();
        }

        /** The JSON of each {@code data:} event of an SSE body, {@code [DONE]} left out. */
        public List<JsonNode> events() {
            List<JsonNode> events = new ArrayList<>();
            for (String line : response.body().split("\n")) {
                if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                    try {
                        events.add(JSON.readTree(line.substring(6)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(line, e);
                    }
                }
            }
            return events;
        }
    }

    public Answer get(String path) {
        return send(request(path).GET().build());
    }

    public Answer post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }

    public Answer post(String path, JsonNode body) {
        return post(path, body.toString());
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
