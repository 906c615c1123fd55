package dev.kiln.serving.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP request and its answer: the body read within the size limit, JSON parsed with
 * OpenAI's error for what does not parse, and the answer sent as JSON, text or a stream of
 * server-sent events.
 */
public final class Call {

    /** How much more than the limit is read and dropped before a 413, so the client sees it. */
    private static final long DRAIN_FACTOR = 16;

    private final HttpExchange exchange;
    private final ObjectMapper json;
    private final long maxBodyBytes;
    private int status;

    Call(HttpExchange exchange, ObjectMapper json, long maxBodyBytes) {
        this.exchange = exchange;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
    }

    public String method() {
        return exchange.getRequestMethod();
    }

    public String path() {
        return exchange.getRequestURI().getPath();
    }

    /** A request header's first value, or null. */
    public String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    /** The status answered so far (0 before headers were sent). */
    int status() {
        return status;
    }

    /**
     * The body parsed as JSON.
     *
     * @throws ApiError 413 over the size limit, 400 when it is not JSON
     */
    public JsonNode jsonBody() throws IOException {
        byte[] body = body();
        if (body.length == 0) {
            throw ApiError.badRequest("The request body is empty; it must be a JSON object.", null);
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("The request body is not valid JSON: "
                    + e.getOriginalMessage(), null);
        }
    }

    /** The body, at most the size limit; a larger one is read on (up to a bound) and refused. */
    private byte[] body() throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        InputStream in = exchange.getRequestBody();
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Content-Length is not a number: " + declared, null);
            }
            if (length > maxBodyBytes) {
                drain(in, length);
                throw ApiError.tooLarge(maxBodyBytes);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            if (out.size() > maxBodyBytes) {
                drain(in, Long.MAX_VALUE);
                throw ApiError.tooLarge(maxBodyBytes);
            }
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops what the client is still sending, so it gets to read the 413 instead of
     * a reset connection; past {@code DRAIN_FACTOR} times the limit the connection is dropped.
     */
    private void drain(InputStream in, long declared) throws IOException {
        long budget = Math.min(declared, maxBodyBytes * DRAIN_FACTOR);
        byte[] buffer = new byte[65536];
        long read = 0;
        int n;
        while (read < budget && (n = in.read(buffer, 0, (int) Math.min(buffer.length, budget - read))) > 0) {
            read += n;
        }
    }

    /** Answers {@code body} as JSON. */
    public void json(int code, JsonNode body) throws IOException {
        send(code, "application/json", json.writeValueAsBytes(body));
    }

    /** Answers an OpenAI error object, with Retry-After where the error has one. */
    public void error(ApiError error) throws IOException {
        if (error.retryAfterSeconds() != null) {
            exchange.getResponseHeaders().set("Retry-After", error.retryAfterSeconds().toString());
        }
        json(error.status(), error.body());
    }

    public void text(int code, String contentType, String body) throws IOException {
        send(code, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Starts a 200 stream of server-sent events. */
    public SseStream eventStream() throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0); // chunked
        status = 200;
        return new SseStream(exchange.getResponseBody(), json);
    }

    private void send(int code, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        status = code;
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
