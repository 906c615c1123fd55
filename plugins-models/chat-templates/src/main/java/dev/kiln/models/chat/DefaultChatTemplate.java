package dev.kiln.models.chat;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.TemplateName;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** ms-swift's "default" template: a system line and "### Human:" / "### Assistant:" turns. */
@Component(service = ChatTemplate.class)
@TemplateName("default")
public final class DefaultChatTemplate extends BuiltinChatTemplate {

    public DefaultChatTemplate() {
        super("default", Map.of("bos_token", "<s>", "eos_token", "</s>"));
    }
}
