package dev.kiln.core.hub;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCheckTest {

    @TempDir
    Path snapshot;

    @Test
    void aShardedModelIsCompleteWithEveryShardItsIndexNames() throws IOException {
        Files.writeString(snapshot.resolve("config.json"), "{}");
        Files.writeString(snapshot.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 16}, "weight_map": {
                  "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                  "lm_head.weight": "model-00002-of-00002.safetensors"}}""");
        Files.write(snapshot.resolve("model-00001-of-00002.safetensors"), new byte[8]);
        assertFalse(SnapshotCheck.isComplete(snapshot, FilePatterns.modelDefaults()), "a shard is missing");
        Files.write(snapshot.resolve("model-00002-of-00002.safetensors"), new byte[8]);
        assertTrue(SnapshotCheck.isComplete(snapshot, FilePatterns.modelDefaults()));
    }

    @Test
    void withoutConfigOrWeightsAModelIsIncomplete() throws IOException {
        Files.write(snapshot.resolve("model.safetensors"), new byte[8]);
        assertFalse(SnapshotCheck.isComplete(snapshot, FilePatterns.modelDefaults()));
        Files.writeString(snapshot.resolve("config.json"), "{}");
        assertTrue(SnapshotCheck.isComplete(snapshot, FilePatterns.modelDefaults()));
        assertFalse(SnapshotCheck.isComplete(snapshot.resolve("absent"), FilePatterns.modelDefaults()));
    }

    @Test
    void otherPatternsEachNeedAFile() throws IOException {
        Files.writeString(snapshot.resolve("config.json"), "{}");
        FilePatterns patterns = FilePatterns.of(List.of("*.json", "*.gguf"));
        assertFalse(SnapshotCheck.isComplete(snapshot, patterns));
        Files.write(snapshot.resolve("tiny-Q8_0.gguf"), new byte[8]);
        assertTrue(SnapshotCheck.isComplete(snapshot, patterns));
    }

    @Test
    void aDanglingLinkIsNoFile() throws IOException {
        Files.writeString(snapshot.resolve("config.json"), "{}");
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../blobs/gone"));
        assertFalse(SnapshotCheck.isComplete(snapshot, FilePatterns.modelDefaults()));
    }
}
