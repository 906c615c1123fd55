package dev.kiln.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.model.LoadedModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.model.TorchDtype;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.models.gguf.GgufFormat;
import dev.kiln.models.safetensors.SafetensorsFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * The golden checkpoints and their expected values (src/test/python/make_goldens.py), and a
 * loader with the installed family and formats, on the CPU backend.
 */
final class Fixtures {

    static final List<String> CHECKPOINTS = List.of("llama3", "mistral-bf16", "qwen2-sharded", "qwen3");

    /** One CPU device for all tests: its helper threads live as long as the test JVM. */
    static final CpuDevice CPU = new CpuDevice(2);

    static final ModelLoader LOADER = new ModelLoader(List.of(new LlamaFamily()),
            List.of(new SafetensorsFormat(), new GgufFormat()));

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    static TensorOps ops() {
        return new TensorEngine().on(CPU);
    }

    static Path resource(String path) {
        try {
            return Path.of(Fixtures.class.getResource("/" + path).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path + " is missing", e);
        }
    }

    static Path checkpoint(String name) {
        return resource("checkpoints/" + name);
    }

    static LoadedModel load(String name, TensorOps ops, TorchDtype dtype) {
        try {
            return LOADER.load(checkpoint(name), ops, dtype);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode golden(String name) {
        try {
            return JSON.readTree(resource("goldens/" + name + ".json").toFile());
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

    /** A [batch, seq] I32 tensor of nested JSON arrays. */
    static Tensor ids(TensorOps ops, JsonNode rows) {
        int batch = rows.size();
        int seq = rows.get(0).size();
        int[] values = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ints(rows.get(b)), 0, values, b * seq, seq);
        }
        return ops.tensor(values, Shape.of(batch, seq));
    }

    static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    /** Positions 0..seq-1 for one sequence: [1, seq]. */
    static Tensor positions(TensorOps ops, int from, int seq) {
        int[] values = new int[seq];
        for (int i = 0; i < seq; i++) {
            values[i] = from + i;
        }
        return ops.tensor(values, Shape.of(1, seq));
    }

    /** The largest |got - want| / (atol + rtol |want|): at most 1 passes, as torch.allclose. */
    static double closeness(float[] got, float[] want, double atol, double rtol) {
        if (got.length != want.length) {
            throw new AssertionError(got.length + " values, expected " + want.length);
        }
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            double error = Math.abs((double) got[i] - want[i]);
            worst = Math.max(worst, Double.isNaN(error) ? Double.POSITIVE_INFINITY
                    : error / (atol + rtol * Math.abs(want[i])));
        }
        return worst;
    }
}
