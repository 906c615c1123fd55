package dev.kiln.benchmarks.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times prefill and greedy decode of a {@link GreedyDecoder} exactly as torch_inference.py times
 * PyTorch: prefill is the prompt's first PREFILL_TOKENS tokens into an empty cache, up to the
 * argmax of the last position's logits; decode is DECODE_TOKENS greedy steps after an untimed
 * prefill of DECODE_PROMPT tokens. Each is WARMUP_ITERATIONS unmeasured calls, then
 * MEASURED_ITERATIONS measured ones (fewer, but at least 2, past MAX_MEASURED_SECONDS).
 */
final class InferenceRun {

    private final InferenceSettings settings;
    private final GreedyDecoder decoder;
    /** The tokens of the last decode: the prefill's argmax, then one per step. */
    private final List<Integer> generated = new ArrayList<>();

    InferenceRun(InferenceSettings settings, GreedyDecoder decoder) {
        this.settings = settings;
        this.decoder = decoder;
    }

    InferenceResult measure(String side, String dtype, String setup) {
        List<Double> prefill = iterations(this::prefill);
        List<Double> decode = iterations(this::decode);
        return new InferenceResult(side, dtype, settings.threads(), setup, settings.prefillTokens(), prefill,
                settings.decodePrompt(), settings.decodeTokens(), decode, List.copyOf(generated));
    }

    private double prefill() {
        int[] tokens = Arrays.copyOf(settings.prompt(), settings.prefillTokens());
        long start = System.nanoTime();
        decoder.prefill(tokens);
        return (System.nanoTime() - start) / 1e9;
    }

    private double decode() {
        generated.clear();
        int token = decoder.prefill(Arrays.copyOf(settings.prompt(), settings.decodePrompt()));
        generated.add(token);
        long start = System.nanoTime();
        for (int position = settings.decodePrompt(); position < settings.decodePrompt() + settings.decodeTokens();
                position++) {
            token = decoder.next(token, position);
            generated.add(token);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private List<Double> iterations(Timed iteration) {
        for (int i = 0; i < settings.warmupIterations(); i++) {
            iteration.seconds();
        }
        List<Double> seconds = new ArrayList<>();
        double total = 0;
        while (seconds.size() < settings.measuredIterations()
                && (seconds.size() < 2 || total < settings.maxMeasuredSeconds())) {
            double s = iteration.seconds();
            seconds.add(s);
            total += s;
        }
        return seconds;
    }

    @FunctionalInterface
    private interface Timed {
        double seconds();
    }
}
