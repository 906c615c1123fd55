package dev.kiln.core.infer;

import dev.kiln.api.chat.Message;
import dev.kiln.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A row of an inference dataset: the conversation to answer and the dataset's own answer, if it
 * has one. Reads the layouts ms-swift reads: {@code messages} (role/content; a final assistant
 * turn is the label), {@code query}/{@code response} with optional {@code system} and
 * {@code history} ([[query, response], ...]), and alpaca's {@code instruction}/{@code input}/
 * {@code output}. (The training work's dataset bundles read many more layouts and sources.)
 *
 * @param prompt the conversation up to the turn the model answers
 * @param label the reference answer, or null
 */
record DatasetRow(List<Message> prompt, String label) {

    DatasetRow {
        prompt = List.copyOf(prompt);
    }

    /**
     * Every non-blank line of a JSONL file.
     *
     * @param system a system message for rows that have none, or null
     * @throws IOException naming the file and line of a row it cannot read
     */
    static List<DatasetRow> readJsonl(Path file, String system) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        }
        List<DatasetRow> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            try {
                rows.add(of(Json.parseObject(lines.get(i), where), system));
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage().startsWith(where) ? e.getMessage()
                        : where + ": " + e.getMessage(), e);
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(file + ": no rows");
        }
        return rows;
    }

    static DatasetRow of(Map<String, Object> row, String defaultSystem) {
        List<Message> prompt = new ArrayList<>();
        String label = null;
        if (row.get("messages") instanceof List<?> messages) {
            for (Object m : messages) {
                if (!(m instanceof Map<?, ?> message) || !(message.get("role") instanceof String role)
                        || !(message.get("content") instanceof String content)) {
                    throw new IllegalArgumentException("each message needs a string 'role' and 'content'");
                }
                prompt.add(Message.of(role, content));
            }
            if (!prompt.isEmpty() && prompt.getLast().role().equals(Message.ASSISTANT)) {
                label = prompt.removeLast().content();
            }
        } else if (row.get("query") instanceof String query) {
            if (row.get("system") instanceof String system) {
                prompt.add(Message.system(system));
            }
            if (row.get("history") instanceof List<?> history) {
                for (Object turn : history) {
                    if (!(turn instanceof List<?> pair) || pair.size() != 2
                            || !(pair.get(0) instanceof String q) || !(pair.get(1) instanceof String a)) {
                        throw new IllegalArgumentException("'history' must be a list of [query, response] pairs");
                    }
                    prompt.add(Message.user(q));
                    prompt.add(Message.assistant(a));
                }
            }
            prompt.add(Message.user(query));
            label = row.get("response") instanceof String r ? r : null;
        } else if (row.get("instruction") instanceof String instruction) {
            String input = row.get("input") instanceof String s && !s.isEmpty() ? "\n" + s : "";
            prompt.add(Message.user(instruction + input));
            label = row.get("output") instanceof String o ? o : null;
        } else {
            throw new IllegalArgumentException("a row needs 'messages', 'query' or 'instruction'; it has "
                    + row.keySet());
        }
        if (prompt.isEmpty() || !prompt.getLast().role().equals(Message.USER)) {
            throw new IllegalArgumentException("the conversation must end with a user turn to answer");
        }
        if (defaultSystem != null && !prompt.getFirst().role().equals(Message.SYSTEM)) {
            prompt.addFirst(Message.system(defaultSystem));
        }
        return new DatasetRow(prompt, label);
    }
}
