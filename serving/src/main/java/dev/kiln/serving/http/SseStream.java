package dev.kiln.serving.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI streams them: {@code data: <json>} per event, a blank line
 * after each, {@code data: [DONE]} at the end. Every event is flushed at once; a write that
 * fails means the client is gone.
 */
public final class SseStream {

    private final OutputStream out;
    private final ObjectMapper json;

    SseStream(OutputStream out, ObjectMapper json) {
        this.out = out;
        this.json = json;
    }

    public void send(JsonNode event) throws IOException {
        write("data: " + json.writeValueAsString(event) + "\n\n");
    }

    /** A comment line, which clients ignore: keeps a waiting stream alive and finds a dead one. */
    public void comment(String text) throws IOException {
        write(": " + text + "\n\n");
    }

    /** Ends the stream. */
    public void done() throws IOException {
        write("data: [DONE]\n\n");
        out.close();
    }

    private void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
