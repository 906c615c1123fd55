package dev.kiln.models.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.chat.Message;
import dev.kiln.api.chat.RenderOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden file written by src/test/python/make_goldens.py: conversations, and for every
 * template the output (or error) Python jinja2 gave for each.
 */
final class Goldens {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "src/test/resources/";

    final Map<String, Object> root;

    private Goldens(Map<String, Object> root) {
        this.root = root;
    }

    @SuppressWarnings("unchecked")
    static Goldens load() {
        return new Goldens(JSON.convertValue(readJson("goldens/chat-templates.json"), Map.class));
    }

    private static Object readJson(String resource) {
        try (InputStream in = resource(resource)) {
            return JSON.readValue(in, Object.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InputStream resource(String path) {
        InputStream in = Goldens.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + path);
        }
        return in;
    }

    static String text(String path) {
        try (InputStream in = resource(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The clock the goldens' strftime_now read. */
    Clock clock() {
        return Clock.fixed(LocalDateTime.parse((String) root.get("now")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> section(String name) {
        return (Map<String, Map<String, Object>>) root.get(name);
    }

    /** The template source a golden entry names: a file, or {@code file#line} of a JSON-lines file. */
    @SuppressWarnings("unchecked")
    static String source(Map<String, Object> entry) {
        String path = ((String) entry.get("source")).substring(RESOURCES.length());
        int hash = path.indexOf('#');
        if (hash < 0) {
            return text(path);
        }
        String line = text(path.substring(0, hash)).split("\n")[Integer.parseInt(path.substring(hash + 1))];
        try {
            Map<String, String> object = JSON.readValue(line, LinkedHashMap.class);
            return object.values().iterator().next();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Message> messages(Map<String, Object> conversation) {
        List<Message> out = new ArrayList<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) conversation.get("messages")) {
            Map<String, Object> extra = new LinkedHashMap<>(m);
            extra.remove("role");
            extra.remove("content");
            out.add(Message.of((String) m.get("role"), (String) m.get("content"), extra));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static RenderOptions options(Map<String, Object> conversation) {
        RenderOptions options = Boolean.TRUE.equals(conversation.get("add_generation_prompt"))
                ? RenderOptions.forGeneration() : RenderOptions.forTraining();
        return options.withTools((List<Map<String, Object>>) conversation.get("tools"))
                .withVariables((Map<String, Object>) conversation.get("variables"));
    }
}
