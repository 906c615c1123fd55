package dev.kiln.benchmarks.training;

import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What training-vs-torch.sh asks both sides to do, from the environment variables that
 * torch_training.py reads too.
 *
 * @param checkpoint the directory llama_checkpoint.py wrote (f32/ is trained, prompt.json
 *     holds the token ids)
 * @param threads CPU threads (THREADS, 2)
 * @param seq tokens per step (SEQ, 512): batch 1, one sequence of the first SEQ prompt ids
 * @param warmupSteps optimizer steps run first and not measured (WARMUP_STEPS, 12)
 * @param steps measured optimizer steps (STEPS, 10)
 * @param tokens the sequence trained on, {@code seq} ids
 */
record TrainingSettings(Path checkpoint, int threads, int seq, int warmupSteps, int steps, int[] tokens) {

    static TrainingSettings fromEnvironment() {
        Path checkpoint = Path.of(env("CHECKPOINT", "target/llama-150m"));
        int seq = Integer.parseInt(env("SEQ", "512"));
        int[] prompt = promptIds(checkpoint.resolve("prompt.json"));
        if (seq < 2 || seq > prompt.length) {
            throw new IllegalArgumentException("SEQ " + seq + ": " + checkpoint.resolve("prompt.json")
                    + " has " + prompt.length + " token ids (and a step needs at least 2)");
        }
        return new TrainingSettings(checkpoint, Integer.parseInt(env("THREADS", "2")), seq,
                Integer.parseInt(env("WARMUP_STEPS", "12")), Integer.parseInt(env("STEPS", "10")),
                Arrays.copyOf(prompt, seq));
    }

    /** The f32 model directory. */
    Path model() {
        return checkpoint.resolve("f32");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The ids of {@code {"token_ids": [..]}}, as llama_checkpoint.py writes it. */
    private static int[] promptIds(Path file) {
        try {
            Map<String, Object> json = Json.parseObject(Files.readString(file), file.toString());
            if (!(json.get("token_ids") instanceof List<?> ids)) {
                throw new IllegalArgumentException(file + ": no \"token_ids\" list");
            }
            return ids.stream().mapToInt(id -> ((Number) id).intValue()).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
