package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.TemplateName;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** ChatML, as the standard ChatML chat_template of Hugging Face models (e.g. OpenHermes, vendored in ollama's templates.jsonl) and ms-swift's chatml template. */
@Component(service = ChatTemplate.class)
@TemplateName("chatml")
public final class ChatmlChatTemplate extends BuiltinChatTemplate {

    public ChatmlChatTemplate() {
        super("chatml", Map.of("eos_token", "<|im_end|>"));
    }
}
