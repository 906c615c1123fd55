package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI's {@code usage}: the prompt's tokens (each prompt counted once, whatever {@code n}) and
 * the tokens of every choice, the token that ended a choice included (as vLLM counts it).
 */
record Usage(int promptTokens, int completionTokens) {

    ObjectNode json() {
        ObjectNode usage = JsonNodeFactory.instance.objectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }
}
