package dev.kiln.core.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.api.chat.Message;
import dev.kiln.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetRowTest {

    @Test
    void messagesEndingWithTheAssistantGiveTheLabel() {
        DatasetRow row = row("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + "{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}", null);
        assertEquals(List.of(Message.system("Be brief."), Message.user("Hi")), row.prompt());
        assertEquals("Hello", row.label());
    }

    @Test
    void queryWithHistoryAndSystem() {
        DatasetRow row = row("{\"system\": \"S\", \"history\": [[\"q1\", \"a1\"]], \"query\": \"q2\", \"response\": \"a2\"}",
                "ignored: the row has its own");
        assertEquals(List.of(Message.system("S"), Message.user("q1"), Message.assistant("a1"), Message.user("q2")),
                row.prompt());
        assertEquals("a2", row.label());
    }

    @Test
    void alpacaJoinsInstructionAndInputAndTheDefaultSystemComesFirst() {
        DatasetRow row = row("{\"instruction\": \"Translate\", \"input\": \"cat\"}", "You translate.");
        assertEquals(List.of(Message.system("You translate."), Message.user("Translate\ncat")), row.prompt());
        assertNull(row.label());
    }

    @Test
    void badRowsSayWhatIsWrongAndWhere(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("d.jsonl"), "{\"query\": \"ok\"}\n{\"text\": \"no\"}\n");
        IOException e = assertThrows(IOException.class, () -> DatasetRow.readJsonl(file, null));
        assertEquals(file + ":2: a row needs 'messages', 'query' or 'instruction'; it has [text]", e.getMessage());

        Path broken = Files.writeString(dir.resolve("b.jsonl"), "{\"query\": \n");
        assertEquals(broken + ":1", assertThrows(IOException.class, () -> DatasetRow.readJsonl(broken, null))
                .getMessage().substring(0, (broken + ":1").length()));

        assertEquals("the conversation must end with a user turn to answer", assertThrows(IllegalArgumentException.class,
                () -> row("{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}", null)).getMessage());
        Path empty = Files.writeString(dir.resolve("e.jsonl"), "\n\n");
        assertEquals(empty + ": no rows", assertThrows(IOException.class, () -> DatasetRow.readJsonl(empty, null))
                .getMessage());
    }

    @Test
    void jsonWrittenReadsBackTheSame() {
        String text = "{\"s\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 é 😀\",\"n\":[1,2.5,-3],"
                + "\"b\":true,\"z\":null,\"o\":{\"k\":[]}}";
        assertEquals(text, Json.write(Json.parse(text, "test")));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    }

    private static DatasetRow row(String json, String system) {
        return DatasetRow.of(Json.parseObject(json, "test"), system);
    }
}
