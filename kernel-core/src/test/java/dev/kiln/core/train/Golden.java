package dev.kiln.core.train;

import dev.kiln.api.tensor.Shape;
import dev.kiln.core.data.Batch;
import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** train/trainer_golden.json, written by src/test/python/trainer_golden.py. */
final class Golden {

    final Map<String, Object> json;

    private Golden(Map<String, Object> json) {
        this.json = json;
    }

    static Golden load() {
        String resource = "/train/trainer_golden.json";
        try (InputStream in = Golden.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            return new Golden(Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> map(String key) {
        return map(json, key);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> json, String key) {
        return (Map<String, Object>) json.get(key);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> json, String key) {
        return (List<Object>) json.get(key);
    }

    static double number(Map<String, Object> json, String key) {
        return ((Number) json.get(key)).doubleValue();
    }

    static float[] floats(Object list) {
        List<?> values = (List<?>) list;
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    /** The initial parameters' values and shapes. */
    Map<String, float[]> parameterValues() {
        Map<String, float[]> values = new LinkedHashMap<>();
        map("parameters").forEach((name, p) -> values.put(name, floats(asMap(p).get("data"))));
        return values;
    }

    Map<String, Shape> parameterShapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        map("parameters").forEach((name, p) -> {
            List<?> dims = (List<?>) asMap(p).get("shape");
            shapes.put(name, Shape.of(dims.stream().mapToInt(d -> ((Number) d).intValue()).toArray()));
        });
        return shapes;
    }

    /** The micro-batches of every step, in order. */
    List<List<Batch>> steps() {
        List<List<Batch>> steps = new ArrayList<>();
        for (Object step : list(json, "steps")) {
            List<Batch> micro = new ArrayList<>();
            for (Object b : list(asMap(step), "micro_batches")) {
                micro.add(batch(asMap(b)));
            }
            steps.add(micro);
        }
        return steps;
    }

    private static Batch batch(Map<String, Object> b) {
        int rows = ((Number) b.get("rows")).intValue();
        int seq = ((Number) b.get("seq")).intValue();
        int[] labels = ints(b.get("labels"));
        int trained = 0;
        for (int label : labels) {
            trained += label == -100 ? 0 : 1;
        }
        return new Batch(rows, seq, ints(b.get("input_ids")), ints(b.get("positions")),
                ints(b.get("attention_mask")), labels, rows, trained);
    }

    /** Nested JSON arrays of integers, flattened. */
    static int[] ints(Object nested) {
        List<Integer> out = new ArrayList<>();
        flatten(nested, out);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void flatten(Object value, List<Integer> out) {
        if (value instanceof List<?> list) {
            list.forEach(v -> flatten(v, out));
        } else {
            out.add(((Number) value).intValue());
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }
}
