package dev.kiln.core.train.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlConfigTest {

    private static final Path FILE = Path.of("sft.yaml");

    @Test
    void readsFlatKeysListsQuotesAndComments() {
        YamlConfig yaml = YamlConfig.parse("""
                # an ms-swift style config
                model: Qwen/Qwen2.5-0.5B-Instruct   # the base
                train_type: lora
                dataset:
                  - data/train.jsonl#500
                  - 'builtin:self-cognition#100'
                target_modules: [q_proj, "v_proj", k_proj]
                learning_rate: 1e-4
                model_author: 'the Kiln team'
                system: "say \\"hi\\"\\n"
                save_total_limit: null
                val_dataset:
                lora_rank: 8
                """, FILE);
        assertEquals(Map.of("model", "Qwen/Qwen2.5-0.5B-Instruct", "train_type", "lora",
                "dataset", List.of("data/train.jsonl#500", "builtin:self-cognition#100"),
                "target_modules", List.of("q_proj", "v_proj", "k_proj"), "learning_rate", "1e-4",
                "model_author", "the Kiln team", "system", "say \"hi\"\n", "lora_rank", "8"),
                yaml.values());
        assertFalse(yaml.values().containsKey("save_total_limit"), "null leaves the key unset");
        assertEquals("sft.yaml:13", yaml.where("lora_rank"));
    }

    @Test
    void whatIsOutsideTheSubsetIsReportedWithItsLine() {
        assertEquals("sft.yaml:2: nested mappings are not supported; write 'key: value' at the start"
                + " of the line", error("model: x\n  rank: 8\n"));
        assertEquals("sft.yaml:3: 'model' is set twice (first on line 1)", error("model: x\n\nmodel: y\n"));
        assertEquals("sft.yaml:1: a list item without a 'key:' line above it", error("- a\n"));
        assertEquals("sft.yaml:1: expected 'key: value', got 'just text'", error("just text\n"));
        assertEquals("sft.yaml:1: 'lora': mappings, block strings, anchors and aliases are not"
                + " supported", error("lora: {rank: 8}\n"));
        assertEquals("sft.yaml:2: tabs cannot indent YAML; use spaces", error("dataset:\n\t- a\n"));
        assertEquals("sft.yaml:1: unclosed quote in 'abc", error("system: 'abc\n"));
    }

    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> YamlConfig.parse(text, FILE)).getMessage();
    }
}
