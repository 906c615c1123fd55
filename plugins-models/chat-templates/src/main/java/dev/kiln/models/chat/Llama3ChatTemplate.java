package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.TemplateName;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** Llama 3 Instruct: the chat_template of Meta-Llama-3-8B-Instruct's tokenizer_config.json. */
@Component(service = ChatTemplate.class)
@TemplateName("llama3")
public final class Llama3ChatTemplate extends BuiltinChatTemplate {

    public Llama3ChatTemplate() {
        super("llama3", Map.of("bos_token", "<|begin_of_text|>", "eos_token", "<|eot_id|>"));
    }
}
