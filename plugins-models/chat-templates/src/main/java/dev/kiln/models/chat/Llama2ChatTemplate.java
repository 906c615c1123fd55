package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.TemplateName;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** Llama 2 Chat: the chat_template of Llama-2-7b-chat-hf's tokenizer_config.json ([INST], &lt;&lt;SYS&gt;&gt;). */
@Component(service = ChatTemplate.class)
@TemplateName("llama2")
public final class Llama2ChatTemplate extends BuiltinChatTemplate {

    public Llama2ChatTemplate() {
        super("llama2", Map.of("bos_token", "<s>", "eos_token", "</s>"));
    }
}
