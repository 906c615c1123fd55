package dev.kiln.datasets.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.data.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FormatsTest {

    static final List<RowFormat> ALL = List.of(new MessagesFormat(), new SharegptFormat(), new AlpacaFormat(),
            new QueryResponseFormat(), new TextFormat(), new PreferenceFormat(), new KtoFormat());

    /** The one format that claims {@code row}, converted; fails when none or several claim it. */
    static Sample convert(Row row) throws DatasetException {
        List<RowFormat> matching = ALL.stream().filter(f -> f.matches(row)).toList();
        assertEquals(1, matching.size(), () -> row + " matched " + matching.stream().map(RowFormat::name).toList());
        return matching.getFirst().convert(row);
    }

    static String formatOf(Row row) {
        List<RowFormat> matching = ALL.stream().filter(f -> f.matches(row)).toList();
        return matching.size() == 1 ? matching.getFirst().name() : matching.stream().map(RowFormat::name).toList().toString();
    }

    static Row row(Object... keyValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new Row(fields, "t.jsonl:7");
    }

    static Map<String, Object> turn(String role, Object content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    @Test
    void eachLayoutIsClaimedByExactlyOneFormat() {
        assertEquals("messages", formatOf(row("messages", List.of(turn("user", "a")))));
        assertEquals("messages", formatOf(row("conversations", List.of(turn("user", "a")))));
        assertEquals("sharegpt", formatOf(row("conversations", List.of(Map.of("from", "human", "value", "a")))));
        assertEquals("preference", formatOf(row("prompt", "p", "chosen", "c", "rejected", "r")));
        assertEquals("kto", formatOf(row("prompt", "p", "completion", "c", "label", true)));
        assertEquals("alpaca", formatOf(row("instruction", "i", "input", "x", "output", "o")));
        assertEquals("alpaca", formatOf(row("input", "x", "output", "o")));
        assertEquals("query-response", formatOf(row("query", "q", "response", "r")));
        assertEquals("query-response", formatOf(row("prompt", "p", "completion", "c")));
        assertEquals("query-response", formatOf(row("question", "q", "answer", "a", "text", "t")));
        assertEquals("text", formatOf(row("text", "t", "meta", 1)));
        assertEquals("[]", formatOf(row("foo", "bar")));
        assertEquals("[]", formatOf(row("text", null)));
    }

    @Test
    void messagesKeepRolesToolTurnsAndStandardColumns() throws Exception {
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("role", "assistant");
        call.put("content", null);
        call.put("tool_calls", List.of(Map.of("type", "function", "function", Map.of("name", "f", "arguments", Map.of()))));
        Sample s = convert(row("messages", List.of(turn("user", "hi"), call, turn("tool_response", "42"),
                        turn("tool_call", "{\"name\": \"g\", \"arguments\": {\"x\": 1}}"),
                        turn("assistant", List.of(Map.of("type", "text", "text", "a"), Map.of("type", "text", "text", "b")))),
                "system", "be nice", "tools", "[{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]",
                "rejected_response", "no", "label", "1", "source", "web"));
        assertEquals(List.of("system", "user", "assistant", "tool", "assistant", "assistant"),
                s.messages().stream().map(Message::role).toList());
        assertEquals("be nice", s.messages().get(0).content());
        assertEquals("", s.messages().get(2).content());
        assertEquals(call.get("tool_calls"), s.messages().get(2).extra().get("tool_calls"));
        assertEquals(List.of(Map.of("type", "function", "function", Map.of("name", "g", "arguments", Map.of("x", 1L)))),
                s.messages().get(4).extra().get("tool_calls"));
        assertEquals("ab", s.messages().get(5).content());
        assertEquals(List.of(Map.of("type", "function", "function", Map.of("name", "f"))), s.tools());
        assertEquals(Optional.of("no"), s.rejectedResponse());
        assertEquals(Optional.of(true), s.label());
        assertEquals(Map.of("source", "web"), s.extra());
        assertEquals("t.jsonl:7", s.origin());
    }

    @Test
    void aSystemTurnWinsOverTheSystemColumn() throws Exception {
        Sample s = convert(row("messages", List.of(turn("system", "inner"), turn("user", "u")), "system", "outer"));
        assertEquals(List.of(Message.system("inner"), Message.user("u")), s.messages());
    }

    @Test
    void sharegptMapsSpeakers() throws Exception {
        Sample s = convert(row("conversations", List.of(Map.of("from", "system", "value", "s"),
                Map.of("from", "human", "value", "q"), Map.of("from", "gpt", "value", "a"),
                Map.of("from", "function_call", "value", "{\"name\": \"f\", \"arguments\": {}}"),
                Map.of("from", "observation", "value", "r"), Map.of("from", "gpt", "value", "done"))));
        assertEquals(List.of("system", "user", "assistant", "assistant", "tool", "assistant"),
                s.messages().stream().map(Message::role).toList());
        Sample rounds = convert(row("conversation", List.of(Map.of("human", "q1", "assistant", "a1"),
                Map.of("human", "q2", "assistant", "a2")), "system", "sys"));
        assertEquals(List.of(Message.system("sys"), Message.user("q1"), Message.assistant("a1"),
                Message.user("q2"), Message.assistant("a2")), rounds.messages());
    }

    @Test
    void alpacaJoinsInstructionAndInputAsMsSwiftDoes() throws Exception {
        assertEquals(List.of(Message.system("s"), Message.user("q0"), Message.assistant("a0"),
                        Message.user("Translate\nbonjour"), Message.assistant("hello")),
                convert(row("system", "s", "instruction", "Translate", "input", "bonjour", "output", "hello",
                        "history", List.of(List.of("q0", "a0")))).messages());
        assertEquals(List.of(Message.user("only instruction"), Message.assistant("o")),
                convert(row("instruction", "only instruction", "input", "", "output", "o")).messages());
        assertEquals(List.of(Message.user("only input"), Message.assistant("o")),
                convert(row("input", "only input", "output", "o")).messages());
    }

    @Test
    void queryResponseTakesMsSwiftsColumnNames() throws Exception {
        assertEquals(List.of(Message.user("p"), Message.assistant("c")),
                convert(row("prompt", "p", "completion", "c")).messages());
        assertEquals(List.of(Message.user("q0"), Message.assistant("r0"), Message.user("q"), Message.assistant("r")),
                convert(row("query", "q", "response", "r", "history", List.of(List.of("q0", "r0")))).messages());
        Sample answerOnly = convert(row("question", "What?", "answer", "That.", "id", 5L));
        assertEquals(Map.of("id", 5L), answerOnly.extra());
    }

    @Test
    void textIsOneAssistantTurn() throws Exception {
        assertEquals(List.of(Message.assistant("Once upon a time.")), convert(row("text", "Once upon a time.")).messages());
    }

    @Test
    void preferenceRowsGiveTheChosenConversationAndTheRejectedAnswer() throws Exception {
        Sample plain = convert(row("prompt", "Best color?", "chosen", "Blue.", "rejected", "Mud."));
        assertEquals(List.of(Message.user("Best color?"), Message.assistant("Blue.")), plain.messages());
        assertEquals(Optional.of("Mud."), plain.rejectedResponse());
        Sample conversational = convert(row(
                "chosen", List.of(turn("user", "q"), turn("assistant", "good")),
                "rejected", List.of(turn("user", "q"), turn("assistant", "bad"))));
        assertEquals(List.of(Message.user("q"), Message.assistant("good")), conversational.messages());
        assertEquals(Optional.of("bad"), conversational.rejectedResponse());
        DatasetException e = assertThrows(DatasetException.class, () -> convert(row("chosen", "a", "rejected", "b")));
        assertEquals("t.jsonl:7: preference row: 'chosen' and 'rejected' are answers, so the row needs a 'prompt'"
                + " (or 'query', 'question')", e.getMessage());
    }

    @Test
    void ktoRowsCarryTheirLabel() throws Exception {
        Sample s = convert(row("prompt", "p", "completion", "c", "label", false));
        assertEquals(List.of(Message.user("p"), Message.assistant("c")), s.messages());
        assertEquals(Optional.of(false), s.label());
        assertEquals(Optional.of(true), convert(row("messages", List.of(turn("user", "u"), turn("assistant", "a")),
                "label", 1L)).label());
    }

    @Test
    void errorsNameTheRowAndTheField() {
        List<String> messages = new ArrayList<>();
        List<Row> bad = List.of(
                row("messages", "not a list"),
                row("messages", List.of(turn("user", "ok"), Map.of("content", "x"))),
                row("messages", List.of(turn("robot", "x"))),
                row("messages", List.of(turn("user", 5L))),
                row("messages", List.of(turn("user", null))),
                row("messages", List.of(turn("tool_call", "not json"))),
                row("messages", List.of()),
                row("conversations", List.of(Map.of("from", "alien", "value", "x"))),
                row("query", "q", "history", List.of(List.of("only one"))),
                row("query", 3L),
                row("query", "q", "label", "maybe"),
                row("query", "q", "tools", "[1]"),
                row("instruction", "i", "system", List.of()));
        for (Row r : bad) {
            messages.add(assertThrows(DatasetException.class, () -> convert(r)).getMessage());
        }
        assertEquals(List.of(
                "t.jsonl:7: field 'messages': expected an array, found a string",
                "t.jsonl:7: field 'messages[1].role' is missing",
                "t.jsonl:7: field 'messages[0].role': unknown role 'robot' (expected system, user, assistant, tool,"
                        + " tool_call or tool_response)",
                "t.jsonl:7: field 'messages[0].content': expected a string or a list of text parts, found a number",
                "t.jsonl:7: field 'messages[0].content' is missing",
                messages.get(5),
                "t.jsonl:7: messages row: the conversation is empty",
                "t.jsonl:7: field 'conversations[0].from': unknown speaker 'alien' (expected human, gpt, system,"
                        + " function_call or observation)",
                "t.jsonl:7: field 'history[0]': expected [query, response], found 1 values",
                "t.jsonl:7: field 'query': expected a string, found a number",
                "t.jsonl:7: field 'label': expected true/false or 1/0, found a string maybe",
                "t.jsonl:7: field 'tools[0]': expected an object, found a number",
                "t.jsonl:7: field 'system': expected a string, found an array"), messages);
        org.junit.jupiter.api.Assertions.assertTrue(messages.get(5).startsWith(
                "t.jsonl:7: field 'messages[0].content': malformed JSON"), messages.get(5));
    }
}
