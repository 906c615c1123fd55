package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.TemplateName;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** Alpaca: Stanford Alpaca's instruction prompt, continued over several turns. */
@Component(service = ChatTemplate.class)
@TemplateName("alpaca")
public final class AlpacaChatTemplate extends BuiltinChatTemplate {

    public AlpacaChatTemplate() {
        super("alpaca", Map.of("bos_token", "<s>", "eos_token", "</s>"));
    }
}
