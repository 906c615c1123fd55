package dev.kiln.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelIdTest {

    @Test
    void readsOrgNameAndRevision() {
        ModelId id = ModelId.parse("Qwen/Qwen2.5-0.5B-Instruct");
        assertEquals("Qwen", id.org());
        assertEquals("Qwen2.5-0.5B-Instruct", id.name());
        assertNull(id.revision());
        assertEquals("main", id.revisionOr(HubSource.HUGGING_FACE));
        assertEquals("master", id.revisionOr(HubSource.MODEL_SCOPE));

        ModelId pinned = ModelId.parse("meta-llama/Llama-3.2-1B@refs/pr/12");
        assertEquals("refs/pr/12", pinned.revision());
        assertEquals("meta-llama/Llama-3.2-1B@refs/pr/12", pinned.toString());
    }

    @Test
    void rejectsWhatIsNotAnId() {
        for (String bad : List.of("", "qwen", "a/b/c", "/abs/path", "org/", "/name", "org/na me",
                "org/..", "../x", "org/name@", "org/name@a..b", "-org/name")) {
            assertTrue(ModelId.tryParse(bad).isEmpty(), bad);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelId.parse("qwen"));
        assertEquals("not a model id: 'qwen' (expected org/name or org/name@revision)", e.getMessage());
    }

    @Test
    void patternsMatchAsHuggingFaceHubsAllowPatterns() {
        FilePatterns defaults = FilePatterns.modelDefaults();
        for (String wanted : List.of("config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "tokenizer.model", "vocab.json", "merges.txt",
                "special_tokens_map.json", "chat_template.jinja", "model.safetensors",
                "model-00001-of-00002.safetensors", "model.safetensors.index.json")) {
            assertTrue(defaults.matches(wanted), wanted);
        }
        for (String unwanted : List.of("README.md", "pytorch_model.bin", "original/consolidated.00.pth",
                ".gitattributes", "model.gguf", "onnx/model.onnx")) {
            assertFalse(defaults.matches(unwanted), unwanted);
        }
        // fnmatch's '*' crosses directories
        assertTrue(FilePatterns.of(List.of("*.json")).matches("original/params.json"));
        assertTrue(FilePatterns.of(List.of("onnx/*")).matches("onnx/model.onnx"));
        assertFalse(FilePatterns.of(List.of("onnx/*")).matches("model.onnx"));
        assertTrue(FilePatterns.of(List.of("*Q4_?.gguf")).matches("tiny-Q4_0.gguf"));
        assertThrows(IllegalArgumentException.class, () -> FilePatterns.of(List.of()));
    }
}
