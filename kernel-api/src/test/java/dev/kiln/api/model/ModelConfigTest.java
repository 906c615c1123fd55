package dev.kiln.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    private final ModelConfig qwen = new ModelConfig(Map.of(
            "architectures", List.of("Qwen2ForCausalLM"),
            "model_type", "qwen2",
            "hidden_size", 896,
            "rms_norm_eps", 1e-6,
            "tie_word_embeddings", true,
            "rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0)), "qwen/config.json");

    @Test
    void typedValuesComeOutTyped() {
        assertEquals(List.of("Qwen2ForCausalLM"), qwen.architectures());
        assertEquals(Optional.of("qwen2"), qwen.modelType());
        assertEquals(896, qwen.requireInteger("hidden_size"));
        assertEquals(1e-6, qwen.requireDecimal("rms_norm_eps"));
        assertEquals(Optional.of(true), qwen.bool("tie_word_embeddings"));
        assertEquals(8.0, qwen.object("rope_scaling").orElseThrow().requireDecimal("factor"));
        assertEquals(Optional.empty(), qwen.integer("head_dim"));
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> qwen.requireInteger("num_hidden_layers"));
        assertEquals("qwen/config.json: missing 'num_hidden_layers'", missing.getMessage());
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> qwen.integer("rms_norm_eps"));
        assertEquals("qwen/config.json: 'rms_norm_eps' must be an integer, not 1.0E-6", wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> qwen.bool("model_type"));
    }
}
