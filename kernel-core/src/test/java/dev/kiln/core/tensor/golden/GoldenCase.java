package dev.kiln.core.tensor.golden;

import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One golden file of src/test/resources/golden, written by
 * src/test/python/transformer_block_golden.py: a model's config, its inputs, its parameters,
 * and what PyTorch computed from them (logits, loss, gradients).
 *
 * @param name the file's name without {@code .json}
 * @param config the model's config, keys as in Hugging Face's config.json
 * @param inputIds token ids {@code [batch, seq]}
 * @param positions position ids {@code [batch, seq]}
 * @param labels labels as passed to {@code LlamaForCausalLM} {@code [batch, seq]}
 * @param shiftLabels the target of each logits row: labels shifted left {@code [batch, seq]}
 * @param ignoreIndex the label of positions that do not count in the loss
 * @param ropeInverseFrequencies the rope's inv_freq after rope_scaling
 * @param parameters by Hugging Face name, in state_dict order
 * @param logits {@code [batch, seq, vocab]}
 * @param loss mean cross-entropy over the counted positions
 * @param gradients d loss / d parameter, by Hugging Face name
 */
record GoldenCase(String name, Map<String, Object> config, GoldenTensor inputIds,
        GoldenTensor positions, GoldenTensor labels, GoldenTensor shiftLabels, int ignoreIndex,
        double[] ropeInverseFrequencies, Map<String, GoldenTensor> parameters, GoldenTensor logits,
        double loss, Map<String, GoldenTensor> gradients) {

    /** A tensor of a golden file: its shape and its elements, row-major. */
    record GoldenTensor(int[] shape, double[] data) {

        float[] floats() {
            float[] out = new float[data.length];
            for (int i = 0; i < data.length; i++) {
                out[i] = (float) data[i];
            }
            return out;
        }

        int[] ints() {
            int[] out = new int[data.length];
            for (int i = 0; i < data.length; i++) {
                out[i] = (int) data[i];
                if (out[i] != data[i]) {
                    throw new IllegalArgumentException("not an integer: " + data[i]);
                }
            }
            return out;
        }
    }

    /** Reads {@code /golden/<name>.json} from the test classpath. */
    static GoldenCase load(String name) {
        String resource = "/golden/" + name + ".json";
        Map<String, Object> json;
        try (InputStream in = GoldenCase.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            json = asMap(Json.parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII), resource));
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
        return new GoldenCase(name, asMap(json.get("config")), tensor(json.get("input_ids")),
                tensor(json.get("positions")), tensor(json.get("labels")),
                tensor(json.get("shift_labels")), (int) number(json.get("ignore_index")),
                numbers(json.get("rope_inv_freq")), tensors(json.get("parameters")),
                tensor(json.get("logits")), number(json.get("loss")), tensors(json.get("gradients")));
    }

    private static Map<String, GoldenTensor> tensors(Object json) {
        Map<String, GoldenTensor> out = new LinkedHashMap<>();
        asMap(json).forEach((key, value) -> out.put(key, tensor(value)));
        return out;
    }

    private static GoldenTensor tensor(Object json) {
        Map<String, Object> map = asMap(json);
        double[] shapeValues = numbers(map.get("shape"));
        int[] shape = new int[shapeValues.length];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = (int) shapeValues[i];
            count *= shape[i];
        }
        double[] data = numbers(map.get("data"));
        if (data.length != count) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape)
                    + " has " + data.length + " elements");
        }
        return new GoldenTensor(shape, data);
    }

    private static double[] numbers(Object json) {
        if (!(json instanceof List<?> list)) {
            throw new IllegalArgumentException("expected a list of numbers, got " + json);
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(list.get(i));
        }
        return out;
    }

    private static double number(Object json) {
        if (!(json instanceof Number value)) {
            throw new IllegalArgumentException("expected a number, got " + json);
        }
        return value.doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object json) {
        if (!(json instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("expected an object, got " + json);
        }
        return (Map<String, Object>) json;
    }
}
