package dev.kiln.core.data;

import dev.kiln.api.chat.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The turns' text one after the other with nothing between them (ms-swift's template-less
 * pretraining): a {@code text} row is one assistant turn, so all of it is the document.
 */
final class PlainRenderer implements ConversationRenderer {

    @Override
    public RenderedConversation render(List<Message> messages, List<Map<String, Object>> tools, String origin) {
        StringBuilder text = new StringBuilder();
        List<RenderedConversation.Span> spans = new ArrayList<>();
        for (Message m : messages) {
            int start = text.length();
            text.append(m.content());
            if (m.role().equals(Message.ASSISTANT) && text.length() > start) {
                spans.add(new RenderedConversation.Span(start, text.length()));
            }
        }
        return new RenderedConversation(text.toString(), spans, 0);
    }

    @Override
    public boolean addsSpecialTokens() {
        return true;
    }

    @Override
    public boolean endsDocuments() {
        return true;
    }
}
