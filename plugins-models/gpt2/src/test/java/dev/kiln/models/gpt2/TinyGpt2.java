package dev.kiln.models.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The test checkpoints and goldens of src/test/python/make_goldens.py, and the CPU engine they
 * run on: {@code tiny-gpt2} (2 layers, n_embd 64, 4 heads, vocab 301, 64 positions, tied head)
 * and {@code tiny-gpt2-variant}.
 */
final class TinyGpt2 {

    static final double TOLERANCE = 1e-4;

    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TinyGpt2() {}

    static Path resource(String name) {
        try {
            return Path.of(TinyGpt2.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CPU device with two threads; close it after the tests. */
    static CpuDevice cpu() {
        return new CpuDevice(2);
    }

    static TensorOps ops(CpuDevice device) {
        return new TensorEngine().on(device);
    }

    /** Loads a checkpoint directory through kernel-core's ModelLoader, with the gpt2 family. */
    static LoadedModel load(String directory, TensorOps ops) {
        try {
            return new ModelLoader(List.of(new Gpt2Family()), List.of(new SafetensorsFormat()))
                    .load(resource(directory), ops);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A checkpoint directory's config.json, its null values left out as ModelLoader does. */
    static ModelConfig modelConfig(String directory) {
        try {
            Map<String, Object> values = new ObjectMapper().readValue(
                    resource(directory + "/config.json").toFile(), new TypeReference<>() {});
            values.values().removeIf(Objects::isNull);
            return new ModelConfig(values, directory + "/config.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** goldens.json: token ids, the padded batch, the loss. */
    static JsonNode info() {
        try {
            return new ObjectMapper().readTree(resource("goldens/goldens.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    /** The rows of a JSON array of arrays, flattened. */
    static int[] flatInts(JsonNode rows) {
        int width = rows.get(0).size();
        int[] values = new int[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(ints(rows.get(r)), 0, values, r * width, width);
        }
        return values;
    }

    static int[] range(int from, int to) {
        int[] values = new int[to - from];
        for (int i = 0; i < values.length; i++) {
            values[i] = from + i;
        }
        return values;
    }

    /** An I32 {@code [1, n]} tensor. */
    static Tensor row(TensorOps ops, int[] values) {
        return ops.tensor(values, Shape.of(1, values.length));
    }

    /** The golden tensors of goldens.safetensors, read with the safetensors bundle. */
    static final class Goldens implements AutoCloseable {

        private final WeightSource source;

        Goldens() {
            try {
                source = new SafetensorsFormat().open(resource("goldens/goldens.safetensors"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        float[] get(String name) {
            try {
                return source.data(name).toArray(F32_LE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Shape shape(String name) {
            return source.tensors().get(name).shape();
        }

        @Override
        public void close() throws IOException {
            source.close();
        }
    }

    /** Asserts {@code actual} equals {@code expected} elementwise within {@link #TOLERANCE}. */
    static void assertClose(float[] expected, float[] actual, String what) {
        assertClose(expected, 0, actual, 0, expected.length, what);
    }

    static void assertClose(float[] expected, int expectedFrom, float[] actual, int actualFrom,
            int length, String what) {
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < length; i++) {
            double diff = Math.abs(expected[expectedFrom + i] - actual[actualFrom + i]);
            if (Double.isNaN(diff) || diff > worst) {
                worst = diff;
                worstAt = i;
                if (Double.isNaN(diff)) {
                    break;
                }
            }
        }
        if (!(worst <= TOLERANCE)) {
            assertEquals(expected[expectedFrom + worstAt], actual[actualFrom + worstAt], TOLERANCE,
                    what + ": element " + worstAt + " of " + length + " differs by " + worst);
        }
    }
}
