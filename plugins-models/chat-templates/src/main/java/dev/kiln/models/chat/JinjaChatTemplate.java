package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.chat.RenderOptions;
import dev.kiln.models.chat.jinja.JinjaTemplate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A compiled template bound to its globals, rendering a conversation with the variables
 * transformers' {@code render_jinja_template} passes: {@code messages}, {@code tools} (None when
 * there are none), {@code documents} (None), {@code add_generation_prompt}, then the globals
 * (special tokens) and the options' extra variables, which override the globals.
 */
final class JinjaChatTemplate implements ChatTemplate {

    private final JinjaTemplate template;
    private final Map<String, Object> globals;

    JinjaChatTemplate(JinjaTemplate template, Map<String, Object> globals) {
        this.template = template;
        this.globals = new HashMap<>(globals);
    }

    @Override
    public String render(List<Message> messages, RenderOptions options) {
        Map<String, Object> variables = new HashMap<>(globals);
        variables.putAll(options.variables());
        variables.put("messages", messages.stream().map(JinjaChatTemplate::asDict).toList());
        variables.put("tools", options.tools().isEmpty() ? null : options.tools());
        variables.put("documents", null);
        variables.put("add_generation_prompt", options.addGenerationPrompt());
        return template.render(variables);
    }

    /**
     * A message as the dict a template sees: role, content, then the extra fields in name order
     * (Message keeps no order of its own; the goldens' conversations use the same order).
     */
    static Map<String, Object> asDict(Message message) {
        Map<String, Object> dict = new LinkedHashMap<>();
        dict.put("role", message.role());
        dict.put("content", message.content());
        new TreeMap<>(message.extra()).forEach(dict::put);
        return dict;
    }
}
