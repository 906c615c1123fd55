package dev.kiln.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.models.chat.jinja.JinjaException;
import dev.kiln.models.chat.jinja.JinjaTemplate;
import dev.kiln.models.chat.jinja.TemplateSyntaxException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Small templates, each on one rule of the language (scoping, loops, Python string methods,
 * filters, undefined values, runtime errors, whitespace control, syntax errors), against what
 * Python jinja2 gave for them in the goldens.
 */
class SnippetGoldenTest {

    private static final Goldens GOLDENS = Goldens.load();

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> snippetsMatchJinja2() {
        Map<String, Object> variables = (Map<String, Object>) GOLDENS.root.get("snippet_variables");
        List<Map<String, Object>> snippets = (List<Map<String, Object>>) GOLDENS.root.get("snippets");
        return snippets.stream().map(s -> DynamicTest.dynamicTest((String) s.get("source"),
                () -> check(s, variables)));
    }

    private static void check(Map<String, Object> snippet, Map<String, Object> variables) {
        String source = (String) snippet.get("source");
        Object error = snippet.get("error");
        if ("TemplateSyntaxError".equals(error)) {
            TemplateSyntaxException e = assertThrows(TemplateSyntaxException.class,
                    () -> JinjaTemplate.compile(source, GOLDENS.clock()));
            assertEquals(snippet.get("line"), e.line(), e.getMessage());
            assertEquals(snippet.get("message") + " (line " + e.line() + ", column " + e.column() + ")", e.getMessage());
            return;
        }
        JinjaTemplate template = JinjaTemplate.compile(source, GOLDENS.clock());
        if (error == null) {
            assertEquals(snippet.get("output"), template.render(variables));
        } else {
            JinjaException e = assertThrows(JinjaException.class, () -> template.render(variables));
            assertEquals(snippet.get("message"), e.getMessage());
            assertEquals(error, e.kind());
        }
    }
}
