package dev.kiln.benchmarks.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What inference-vs-torch.sh asks every side to do, from the same environment variables that
 * torch_inference.py reads (see there for the defaults' meaning).
 *
 * @param checkpoint the directory llama_checkpoint.py wrote (f32/, bf16/, prompt.json)
 * @param prompt the token ids of prompt.json
 */
record InferenceSettings(
        Path checkpoint,
        int threads,
        int prefillTokens,
        int decodePrompt,
        int decodeTokens,
        int warmupIterations,
        int measuredIterations,
        double maxMeasuredSeconds,
        int[] prompt) {

    static InferenceSettings fromEnvironment() {
        Path checkpoint = Path.of(env("CHECKPOINT", "target/llama-150m"));
        InferenceSettings settings = new InferenceSettings(
                checkpoint,
                Integer.parseInt(env("THREADS", "2")),
                Integer.parseInt(env("PREFILL_TOKENS", "512")),
                Integer.parseInt(env("DECODE_PROMPT", "128")),
                Integer.parseInt(env("DECODE_TOKENS", "128")),
                Integer.parseInt(env("WARMUP_ITERATIONS", "3")),
                Integer.parseInt(env("MEASURED_ITERATIONS", "5")),
                Double.parseDouble(env("MAX_MEASURED_SECONDS", "60")),
                promptIds(checkpoint.resolve("prompt.json")));
        int needed = Math.max(settings.prefillTokens, settings.decodePrompt);
        if (needed > settings.prompt.length) {
            throw new IllegalArgumentException(checkpoint.resolve("prompt.json") + " has " + settings.prompt.length
                    + " token ids, PREFILL_TOKENS and DECODE_PROMPT ask for up to " + needed);
        }
        return settings;
    }

    /** The model directory of one weight dtype ({@code f32}, {@code bf16}). */
    Path model(String dtype) {
        return checkpoint.resolve(dtype);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The ids of {@code {"token_ids": [..]}}, as llama_checkpoint.py writes it. */
    private static int[] promptIds(Path file) {
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (run llama_checkpoint.py first)", e);
        }
        Matcher list = Pattern.compile("\"token_ids\"\\s*:\\s*\\[([0-9,\\s]*)]").matcher(json);
        if (!list.find()) {
            throw new IllegalArgumentException(file + ": no \"token_ids\" list of integers");
        }
        return Pattern.compile(",").splitAsStream(list.group(1).strip()).map(String::strip).mapToInt(Integer::parseInt)
                .toArray();
    }
}
