package dev.kiln.api.chat;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/** Compiles template source, such as a tokenizer_config.json {@code chat_template} in Jinja. */
@ConsumerType
public interface ChatTemplateEngine {

    /**
     * Compiles {@code source}.
     *
     * @param globals variables every rendering sees, e.g. {@code bos_token}, {@code eos_token}
     * @throws IllegalArgumentException when the source does not parse, with the position
     */
    ChatTemplate compile(String source, Map<String, Object> globals);
}
