package dev.kiln.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.chat.RenderOptions;
import dev.kiln.models.chat.jinja.TemplateSyntaxException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine through the kernel API: variables, globals, message fields, and bad input. */
class EngineTest {

    private final JinjaChatTemplateEngine engine = new JinjaChatTemplateEngine();

    private String render(String source, Map<String, Object> globals, List<Message> messages, RenderOptions options) {
        return engine.compile(source, globals).render(messages, options);
    }

    @Test
    void sourceThatDoesNotParseNamesLineAndColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.compile("{% for m in messages %}\n  {{ m.content + }}\n{% endfor %}", Map.of()));
        assertEquals("unexpected 'end of print statement' (line 2, column 18)", e.getMessage());
        assertEquals(2, ((TemplateSyntaxException) e).line());
    }

    @Test
    void unknownFilterIsACompileError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.compile("{{ messages | shout }}", Map.of()));
        assertEquals("No filter named 'shout'. (line 1, column 15)", e.getMessage());
    }

    @Test
    void raiseExceptionBecomesIllegalArgumentWithTheTemplatesMessage() {
        ChatTemplate t = engine.compile("{% if messages[0].role != 'user' %}{{ raise_exception('user first, not '"
                + " ~ messages[0].role) }}{% endif %}ok", Map.of());
        assertEquals("ok", t.render(List.of(Message.user("hi")), RenderOptions.forGeneration()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(List.of(Message.assistant("hi")), RenderOptions.forGeneration()));
        assertEquals("user first, not assistant", e.getMessage());
    }

    @Test
    void undefinedPrintsEmptyButItsAttributeRaises() {
        assertEquals("[]", render("[{{ nowhere }}]", Map.of(), List.of(), RenderOptions.forTraining()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> render("{{ nowhere.field }}", Map.of(), List.of(), RenderOptions.forTraining()));
        assertEquals("'nowhere' is undefined", e.getMessage());
    }

    @Test
    void variablesOverrideGlobalsAndToolsAreNoneWhenAbsent() {
        String source = "{{ bos_token }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}"
                + "|{{ enable_thinking }}";
        assertEquals("<s>|True|True|True|False", render(source, Map.of("bos_token", "<s>"), List.of(),
                RenderOptions.forGeneration().withVariables(Map.of("enable_thinking", false))));
        assertEquals("<b>|False|True|False|", render(source, Map.of("bos_token", "<s>"), List.of(),
                RenderOptions.forTraining().withVariables(Map.of("bos_token", "<b>"))
                        .withTools(List.of(Map.of("type", "function")))));
    }

    @Test
    void messageFieldsAreDictKeysAndAttributes() {
        Message call = Message.of(Message.ASSISTANT, "", Map.of("tool_calls",
                List.of(Map.of("function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris"))))));
        String source = "{% for m in messages %}{{ m['role'] }}:{{ m.content }}:{{ m.tool_calls[0].function.name }}"
                + ":{{ m.tool_calls[0]['function']['arguments'] | tojson }}:{{ m.get('tool_call_id', 'none') }}"
                + ":{{ m.reasoning_content is defined }}{% endfor %}";
        assertEquals("assistant::get_weather:{\"city\": \"Paris\"}:none:False",
                render(source, Map.of(), List.of(call), RenderOptions.forTraining()));
    }

    @Test
    void builtinTemplatesLoadTheirSource() {
        String prompt = new ChatmlChatTemplate().render(List.of(Message.system("Be brief."), Message.user("Hi")),
                RenderOptions.forGeneration());
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                prompt);
        assertTrue(new Llama3ChatTemplate().render(List.of(Message.user("Hi")), RenderOptions.forGeneration())
                .startsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"));
    }
}
