package dev.kiln.api.chat;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to render a conversation: whether to open the assistant's turn at the end, the tools the
 * model may call (OpenAI function schemas), and extra template variables such as
 * {@code enable_thinking}.
 */
public final class RenderOptions {

    private final boolean addGenerationPrompt;
    private final List<Map<String, Object>> tools;
    private final Map<String, Object> variables;

    private RenderOptions(boolean addGenerationPrompt, List<Map<String, Object>> tools,
            Map<String, Object> variables) {
        this.addGenerationPrompt = addGenerationPrompt;
        this.tools = List.copyOf(tools);
        this.variables = Map.copyOf(variables);
    }

    /** Open the assistant's turn: the prompt for generation. */
    public static RenderOptions forGeneration() {
        return new RenderOptions(true, List.of(), Map.of());
    }

    /** A complete conversation, as for training. */
    public static RenderOptions forTraining() {
        return new RenderOptions(false, List.of(), Map.of());
    }

    public RenderOptions withTools(List<Map<String, Object>> tools) {
        return new RenderOptions(addGenerationPrompt, Objects.requireNonNull(tools), variables);
    }

    public RenderOptions withVariables(Map<String, Object> variables) {
        return new RenderOptions(addGenerationPrompt, tools, Objects.requireNonNull(variables));
    }

    public boolean addGenerationPrompt() { return addGenerationPrompt; }
    public List<Map<String, Object>> tools() { return tools; }
    public Map<String, Object> variables() { return variables; }
}
