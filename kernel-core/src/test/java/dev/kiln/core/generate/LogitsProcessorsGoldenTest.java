package dev.kiln.core.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The logits processing against PyTorch: the goldens src/test/python/sampling_golden.py writes
 * from transformers' semantics (processed logits, probabilities, greedy token) for random logits
 * and each parameter set.
 */
class LogitsProcessorsGoldenTest {

    private static final double TOLERANCE = 1e-6;

    @SuppressWarnings("unchecked")
    static Stream<Map<String, Object>> cases() throws IOException {
        try (InputStream in = LogitsProcessorsGoldenTest.class.getResourceAsStream("/generate/logits_processing.json")) {
            Map<String, Object> golden = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    "logits_processing.json");
            return ((List<Map<String, Object>>) golden.get("cases")).stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void matchesTransformers(Map<String, Object> golden) {
        Map<String, Object> p = (Map<String, Object>) golden.get("params");
        SamplingParams params = SamplingParams.builder()
                .temperature(number(p, "temperature"))
                .topK((int) number(p, "top_k"))
                .topP(number(p, "top_p"))
                .minP(number(p, "min_p"))
                .repetitionPenalty(number(p, "repetition_penalty"))
                .presencePenalty(number(p, "presence_penalty"))
                .frequencyPenalty(number(p, "frequency_penalty"))
                .build();
        List<Object> raw = (List<Object>) golden.get("logits");
        double[] logits = new double[raw.size()];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) ((Number) raw.get(i)).doubleValue(); // the model's logits are F32
        }
        int[] prompt = ints(golden.get("prompt"));
        int[] completion = ints(golden.get("completion"));
        int[] context = new int[prompt.length + completion.length];
        System.arraycopy(prompt, 0, context, 0, prompt.length);
        System.arraycopy(completion, 0, context, prompt.length, completion.length);
        int[] counts = new int[logits.length];
        for (int token : completion) {
            counts[token]++;
        }

        double[] processed = LogitsProcessors.process(logits, params, context, counts);

        List<Object> expected = (List<Object>) golden.get("processed");
        for (int i = 0; i < processed.length; i++) {
            if (expected.get(i) == null) {
                assertEquals(Double.NEGATIVE_INFINITY, processed[i], "token " + i + " filtered");
            } else {
                assertEquals(((Number) expected.get(i)).doubleValue(), processed[i], TOLERANCE, "token " + i);
            }
        }
        if (golden.containsKey("probs")) {
            double[] probs = LogitsProcessors.softmax(processed);
            List<Object> expectedProbs = (List<Object>) golden.get("probs");
            for (int i = 0; i < probs.length; i++) {
                assertEquals(((Number) expectedProbs.get(i)).doubleValue(), probs[i], TOLERANCE, "probability " + i);
            }
        } else {
            assertTrue(params.isGreedy());
            assertEquals(((Number) golden.get("greedy_token")).intValue(), LogitsProcessors.argmax(processed));
        }
    }

    private static double number(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).doubleValue();
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }
}
