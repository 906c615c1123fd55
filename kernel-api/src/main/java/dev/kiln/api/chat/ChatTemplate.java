package dev.kiln.api.chat;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns a conversation into the prompt text a model was trained on. Built-in templates
 * ({@code chatml}, {@code llama3}, ...) are services with a {@link TemplateName} property; a
 * model's own template comes from {@link ChatTemplateEngine#compile}.
 */
@ConsumerType
public interface ChatTemplate {

    /**
     * Renders {@code messages}.
     *
     * @throws IllegalArgumentException when the template rejects the conversation (e.g. its
     *     {@code raise_exception}: roles out of order), with the template's message
     */
    String render(List<Message> messages, RenderOptions options);
}
