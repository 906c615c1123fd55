package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.TemplateName;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** Qwen2.5 Instruct: the chat_template of Qwen2.5's tokenizer_config.json (ChatML with the Qwen default system prompt and tool calls). */
@Component(service = ChatTemplate.class)
@TemplateName("qwen")
public final class QwenChatTemplate extends BuiltinChatTemplate {

    public QwenChatTemplate() {
        super("qwen", Map.of("eos_token", "<|im_end|>"));
    }
}
