package dev.kiln.core.data;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.chat.RenderOptions;
import dev.kiln.api.data.DatasetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renders with a chat template. An assistant turn {@code i} spans from the end of the
 * conversation before it rendered with the generation prompt to the end of the conversation
 * through it, both of which must be prefixes of the whole rendering. A template that renders
 * earlier turns differently once later ones follow (Qwen3 drops their reasoning) leaves those
 * turns unlocated; the last turn must be found.
 */
final class TemplateRenderer implements ConversationRenderer {

    private final ChatTemplate template;
    private final Map<String, Object> variables;

    TemplateRenderer(ChatTemplate template, Map<String, Object> variables) {
        this.template = template;
        this.variables = Map.copyOf(variables);
    }

    @Override
    public RenderedConversation render(List<Message> messages, List<Map<String, Object>> tools, String origin)
            throws DatasetException {
        RenderOptions training = RenderOptions.forTraining().withTools(tools).withVariables(variables);
        RenderOptions generation = RenderOptions.forGeneration().withTools(tools).withVariables(variables);
        String full = render(messages, training, origin);
        List<RenderedConversation.Span> spans = new ArrayList<>();
        int unlocated = 0;
        int lastAssistant = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role().equals(Message.ASSISTANT)) {
                lastAssistant = i;
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals(Message.ASSISTANT)) {
                continue;
            }
            String prompt = render(messages.subList(0, i), generation, origin);
            String through = i == messages.size() - 1 ? full : render(messages.subList(0, i + 1), training, origin);
            if (full.startsWith(through) && through.startsWith(prompt) && prompt.length() < through.length()) {
                spans.add(new RenderedConversation.Span(prompt.length(), through.length()));
            } else if (i == lastAssistant) {
                throw new DatasetException(origin, "the chat template renders the conversation so that the"
                        + " last assistant turn cannot be located: the prompt rendered with the generation"
                        + " prompt is not a prefix of the conversation rendered through that turn");
            } else {
                unlocated++;
            }
        }
        return new RenderedConversation(full, spans, unlocated);
    }

    private String render(List<Message> messages, RenderOptions options, String origin) throws DatasetException {
        try {
            return template.render(messages, options);
        } catch (IllegalArgumentException e) {
            throw new DatasetException(origin, "the chat template rejects the conversation: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean addsSpecialTokens() {
        return false;
    }

    @Override
    public boolean endsDocuments() {
        return false;
    }
}
