package dev.kiln.core.data;

import dev.kiln.api.chat.Message;
import dev.kiln.api.data.DatasetException;
import java.util.List;
import java.util.Map;

/** Turns a conversation into the text a model trains on, and says where the assistant turns are. */
interface ConversationRenderer {

    RenderedConversation render(List<Message> messages, List<Map<String, Object>> tools, String origin)
            throws DatasetException;

    /** Whether the text is tokenized with the tokenizer's own special tokens (no template wrote them). */
    boolean addsSpecialTokens();

    /** Whether {@link EncodeOptions#documentEnd()} applies: plain documents, not templated turns. */
    boolean endsDocuments();
}
