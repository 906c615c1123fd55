package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.chat.RenderOptions;
import dev.kiln.models.chat.jinja.JinjaTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A built-in template: Jinja source shipped in this bundle under
 * {@code dev/kiln/models/chat/templates/<name>.jinja}, rendered by the Jinja engine with the
 * family's special tokens. Each subclass is the DS component for one name.
 */
abstract class BuiltinChatTemplate implements ChatTemplate {

    private final ChatTemplate template;

    BuiltinChatTemplate(String name, Map<String, Object> tokens) {
        this.template = new JinjaChatTemplate(JinjaTemplate.compile(source(name), Clock.systemDefaultZone()), tokens);
    }

    static String source(String name) {
        String resource = "templates/" + name + ".jinja";
        try (InputStream in = BuiltinChatTemplate.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("built-in chat template " + name + " is missing: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read built-in chat template " + resource, e);
        }
    }

    @Override
    public final String render(List<Message> messages, RenderOptions options) {
        return template.render(messages, options);
    }
}
