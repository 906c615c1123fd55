package dev.kiln.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.models.chat.jinja.JinjaException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every (template, conversation) pair of the goldens, rendered by this bundle, must equal what
 * Python jinja2 rendered under transformers' settings: the same text, or an
 * IllegalArgumentException with the same message where jinja2 raised.
 */
class GoldenTest {

    /**
     * Templates this engine is known not to render like jinja2, with the reason. Everything not
     * listed here must match exactly.
     */
    private static final Map<String, String> SKIPPED = Map.of();

    private static final Goldens GOLDENS = Goldens.load();

    private static final Map<String, Supplier<ChatTemplate>> BUILTINS = Map.of(
            "chatml", ChatmlChatTemplate::new,
            "llama3", Llama3ChatTemplate::new,
            "llama2", Llama2ChatTemplate::new,
            "qwen", QwenChatTemplate::new,
            "alpaca", AlpacaChatTemplate::new,
            "default", DefaultChatTemplate::new);

    @TestFactory
    Stream<DynamicNode> fixtureTemplatesMatchJinja2() {
        JinjaChatTemplateEngine engine = new JinjaChatTemplateEngine(GOLDENS.clock());
        List<DynamicNode> nodes = new ArrayList<>();
        GOLDENS.section("templates").forEach((id, entry) -> {
            if (SKIPPED.containsKey(id)) {
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> globals = (Map<String, Object>) entry.get("globals");
            nodes.add(container(id, entry, () -> engine.compile(Goldens.source(entry), globals)));
        });
        return nodes.stream();
    }

    @TestFactory
    Stream<DynamicNode> builtinTemplatesMatchJinja2() {
        return GOLDENS.section("builtins").entrySet().stream()
                .map(e -> container(e.getKey(), e.getValue(), BUILTINS.get(e.getKey())));
    }

    @Test
    void everyBuiltinHasGoldens() {
        assertEquals(BUILTINS.keySet(), GOLDENS.section("builtins").keySet());
    }

    @Test
    void skipListNamesOnlyFixtureTemplates() {
        assertTrue(GOLDENS.section("templates").keySet().containsAll(SKIPPED.keySet()));
    }

    @SuppressWarnings("unchecked")
    private static DynamicContainer container(String id, Map<String, Object> entry, Supplier<ChatTemplate> compile) {
        ChatTemplate template = compile.get();
        Map<String, Map<String, Object>> conversations = GOLDENS.section("conversations");
        Map<String, Map<String, String>> results = (Map<String, Map<String, String>>) entry.get("results");
        return DynamicContainer.dynamicContainer(id, results.entrySet().stream().map(r -> DynamicTest.dynamicTest(
                r.getKey(), () -> check(template, conversations.get(r.getKey()), r.getValue()))));
    }

    private static void check(ChatTemplate template, Map<String, Object> conversation, Map<String, String> expected) {
        if (expected.containsKey("output")) {
            assertEquals(expected.get("output"),
                    template.render(Goldens.messages(conversation), Goldens.options(conversation)));
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> template.render(Goldens.messages(conversation), Goldens.options(conversation)));
            assertEquals(expected.get("message"), e.getMessage());
            assertEquals(expected.get("error"), ((JinjaException) e).kind());
        }
    }
}
