package dev.kiln.serving;

import dev.kiln.api.model.LinearLayer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** PEFT LoRA adapters for the tiny Llama, written as PEFT saves them, with seeded random weights. */
public final class TinyAdapters {

    /** The modules the adapters adapt. */
    public static final List<String> TARGETS = List.of("model.layers.0.self_attn.q_proj",
            "model.layers.0.self_attn.v_proj", "model.layers.0.mlp.down_proj", "lm_head");

    private TinyAdapters() {}

    /**
     * An adapter (r 2, alpha 4) on {@link #TARGETS} of a model with these {@code layers}, A and
     * B drawn from N(0, 0.5²): adapter_config.json and adapter_model.safetensors in
     * {@code directory}. {@code wrongIn}, when positive, gives lora_A that input width instead
     * of the layer's (an adapter for another model).
     */
    public static Path write(Path directory, Map<String, LinearLayer> layers, long seed, int wrongIn)
            throws IOException {
        return write(directory, layers, seed, wrongIn, false);
    }

    /**
     * As {@link #write(Path, Map, long, int)}; with {@code dora}, a DoRA adapter: also a
     * magnitude per output row ({@code lora_magnitude_vector}), drawn from [0.5, 1.5).
     */
    public static Path write(Path directory, Map<String, LinearLayer> layers, long seed, int wrongIn, boolean dora)
            throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("adapter_config.json"), """
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "lora_dropout": 0.0, "bias": "none",
                 "target_modules": ["q_proj", "v_proj", "down_proj", "lm_head"], "task_type": "CAUSAL_LM",
                 "use_dora": %s}
                """.formatted(dora));
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (String module : TARGETS) {
            LinearLayer layer = layers.get(module);
            int in = wrongIn > 0 ? wrongIn : layer.inFeatures();
            String prefix = "base_model.model." + module;
            tensors.put(prefix + ".lora_A.weight", gaussian(random, 2 * in, 0.5));
            shapes.put(prefix + ".lora_A.weight", new int[] {2, in});
            tensors.put(prefix + ".lora_B.weight", gaussian(random, layer.outFeatures() * 2, 0.5));
            shapes.put(prefix + ".lora_B.weight", new int[] {layer.outFeatures(), 2});
            if (dora) {
                float[] magnitude = new float[layer.outFeatures()];
                for (int i = 0; i < magnitude.length; i++) {
                    magnitude[i] = (float) (0.5 + random.nextDouble());
                }
                tensors.put(prefix + ".lora_magnitude_vector", magnitude);
                shapes.put(prefix + ".lora_magnitude_vector", new int[] {layer.outFeatures()});
            }
        }
        writeSafetensors(directory.resolve("adapter_model.safetensors"), tensors, shapes);
        return directory;
    }

    private static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble(Double.MIN_VALUE, 1);
            double v = random.nextDouble();
            values[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return values;
    }

    /** safetensors: an 8-byte little-endian header length, the JSON header, the F32 data. */
    private static void writeSafetensors(Path file, Map<String, float[]> tensors, Map<String, int[]> shapes)
            throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, float[]> t : tensors.entrySet()) {
            long size = 4L * t.getValue().length;
            if (header.length() > 1) {
                header.append(',');
            }
            header.append('"').append(t.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(Arrays.toString(shapes.get(t.getKey())).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (float[] values : tensors.values()) {
            for (float v : values) {
                out.putFloat(v);
            }
        }
        Files.write(file, out.array());
    }
}
