package dev.kiln.benchmarks.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** One side's measurement, written as the JSON that torch_inference.py writes for PyTorch. */
record InferenceResult(
        String side,
        String dtype,
        int threads,
        String setup,
        int prefillTokens,
        List<Double> prefillSeconds,
        int decodePrompt,
        int decodeTokens,
        List<Double> decodeSeconds,
        List<Integer> generated) {

    void write(Path file) {
        String json = "{\n"
                + " \"side\": " + Json.string(side) + ",\n"
                + " \"dtype\": " + Json.string(dtype) + ",\n"
                + " \"threads\": " + threads + ",\n"
                + " \"setup\": " + Json.string(setup) + ",\n"
                + " \"prefill\": {\"tokens\": " + prefillTokens + ", \"seconds\": " + Json.list(prefillSeconds) + "},\n"
                + " \"decode\": {\"prompt\": " + decodePrompt + ", \"tokens\": " + decodeTokens + ", \"seconds\": "
                + Json.list(decodeSeconds) + "},\n"
                + " \"generated\": " + Json.list(generated) + "\n"
                + "}\n";
        try {
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        System.err.printf("%s %s, %d threads: prefill %.1f tokens/s (best), decode %.1f tokens/s (best); %s%n", side,
                dtype, threads, prefillTokens / min(prefillSeconds), decodeTokens / min(decodeSeconds), setup);
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    /** Just enough JSON for these files. */
    static final class Json {

        private Json() {}

        static String string(String s) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }

        static String list(List<? extends Number> values) {
            return values.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
        }
    }
}
