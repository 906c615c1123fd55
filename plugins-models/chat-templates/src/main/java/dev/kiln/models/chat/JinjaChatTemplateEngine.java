package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.ChatTemplateEngine;
import dev.kiln.models.chat.jinja.JinjaTemplate;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import org.osgi.service.component.annotations.Component;

/**
 * Compiles Hugging Face chat templates (the Jinja {@code chat_template} of a tokenizer_config.json
 * or chat_template.jinja) into {@link ChatTemplate}s whose output equals Python jinja2's under
 * transformers' {@code apply_chat_template}.
 */
@Component(service = ChatTemplateEngine.class, property = "kiln.template.engine=jinja")
public final class JinjaChatTemplateEngine implements ChatTemplateEngine {

    private final Clock clock;

    public JinjaChatTemplateEngine() {
        this(Clock.systemDefaultZone());
    }

    /** An engine whose {@code strftime_now} reads {@code clock} (tests fix the date with it). */
    JinjaChatTemplateEngine(Clock clock) {
        this.clock = clock;
    }

    @Override
    public ChatTemplate compile(String source, Map<String, Object> globals) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(globals, "globals");
        return new JinjaChatTemplate(JinjaTemplate.compile(source, clock), globals);
    }
}
