package dev.kiln.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.ModelConfig;
import dev.kiln.api.model.ModelFamily;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ModelLoader's own decisions with a one-parameter family and an in-memory format: which family
 * and format, where the configuration comes from, the weights' dtype, and its errors. The llama
 * bundle's tests load real checkpoints through it.
 */
class ModelLoaderTest {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());
    private final Arena arena = Arena.ofAuto();

    @Test
    void fillsEveryParameterFromTheCheckpointAndWarnsAboutTheRest() throws IOException {
        writeConfig("{\"architectures\": [\"TinyForCausalLM\"], \"size\": 2, \"rope_scaling\": null}");
        FakeFormat format = new FakeFormat(Map.of("w", f32(1, 2, 3, 4), "extra", f32(9)), null);
        try (LoadedModel loaded = loader(format).load(dir, ops)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, loaded.model().parameters().get("w").toFloatArray());
            assertEquals(List.of(dir + ": ignored tensor 'extra', which the model does not use"),
                    loaded.warnings());
            assertEquals("float32", loaded.config().string("torch_dtype").orElseThrow());
            assertEquals("tiny", loaded.family());
            assertEquals("fake", loaded.format());
            assertEquals(new ModelSummary(4, 16, Map.of(DType.F32, 4L)), loaded.summary());
            assertEquals("4 parameters (f32 4), 0.0 MB", loaded.summary().toString());
        }
    }

    @Test
    void autoKeepsAHalfCheckpointHalfAndTheOptionOverridesIt() throws IOException {
        writeConfig("{\"model_type\": \"tiny\", \"size\": 2}");
        FakeFormat format = new FakeFormat(Map.of("w", bf16(1, 2, 3, 4)), null);
        try (LoadedModel auto = loader(format).load(dir, ops, TorchDtype.AUTO);
                LoadedModel f32 = loader(format).load(dir, ops, TorchDtype.FLOAT32)) {
            assertEquals(DType.BF16, auto.model().parameters().get("w").dtype());
            assertEquals("bfloat16", auto.config().string("torch_dtype").orElseThrow());
            assertEquals(DType.F32, f32.model().parameters().get("w").dtype());
            assertArrayEquals(new float[] {1, 2, 3, 4}, f32.model().parameters().get("w").toFloatArray());
        }
    }

    @Test
    void theConfigurationComesFromTheCheckpointWhenNoConfigJsonIsBesideIt() throws IOException {
        Map<String, Object> carried = new LinkedHashMap<>();
        carried.put("architectures", List.of("TinyForCausalLM"));
        carried.put("size", 1L);
        FakeFormat format = new FakeFormat(Map.of("w", f32(7)), carried);
        try (LoadedModel loaded = loader(format).load(dir, ops)) {
            assertEquals(Shape.of(1, 1), loaded.model().parameters().get("w").shape());
            assertTrue(loaded.config().origin().contains("model configuration"), loaded.config().origin());
        }
        IOException e = assertThrows(IOException.class,
                () -> loader(new FakeFormat(Map.of(), null)).load(dir, ops));
        assertEquals(dir + ": no config.json beside it, and the fake checkpoint carries no model"
                + " configuration", e.getMessage());
    }

    @Test
    void errorsNameTheFileTheTensorAndWhatIsWrong() throws IOException {
        writeConfig("{\"architectures\": [\"TinyForCausalLM\"], \"size\": 2}");
        IOException missing = assertThrows(IOException.class,
                () -> loader(new FakeFormat(Map.of(), null)).load(dir, ops));
        assertEquals(dir + ": no tensor 'w', which TinyForCausalLM (" + dir.resolve("config.json")
                + ") needs as [2, 2]", missing.getMessage());
        IOException truncated = assertThrows(IOException.class, () -> loader(new FakeFormat(
                Map.of("w", f32(1, 2, 3, 4)), null, Shape.of(2, 2), 12)).load(dir, ops));
        assertEquals(dir + ": tensor 'w' has 12 bytes of data, but F32[2, 2] takes 16 (truncated"
                + " or corrupt)", truncated.getMessage());

        writeConfig("{\"architectures\": [\"GptForCausalLM\"], \"model_type\": \"gpt\"}");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> loader(new FakeFormat(Map.of(), null)).load(dir, ops));
        assertEquals(dir.resolve("config.json") + ": no installed model family serves it:"
                + " architecture GptForCausalLM, model_type gpt. Installed: tiny (architectures"
                + " TinyForCausalLM; model types tiny)", unknown.getMessage());

        writeConfig("{\"architectures\": [\"TinyForCausalLM\"], \"size\": 2,}");
        assertTrue(assertThrows(IOException.class, () -> loader(new FakeFormat(Map.of(), null))
                .load(dir, ops)).getMessage().startsWith(dir.resolve("config.json").toString()));
        assertEquals(dir.resolve("nowhere") + ": no such file or directory", assertThrows(
                IOException.class, () -> loader(new FakeFormat(Map.of(), null))
                        .load(dir.resolve("nowhere"), ops)).getMessage());
    }

    // ---- fakes ----------------------------------------------------------------------------

    private ModelLoader loader(WeightFormat format) {
        return new ModelLoader(List.of(new TinyFamily()), List.of(format));
    }

    private void writeConfig(String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
    }

    private Stored f32(float... values) {
        MemorySegment segment = arena.allocate(values.length * 4L);
        MemorySegment.copy(values, 0, segment, F32, 0, values.length);
        return new Stored(DType.F32, segment);
    }

    private Stored bf16(float... values) {
        MemorySegment segment = arena.allocate(values.length * 2L);
        for (int i = 0; i < values.length; i++) {
            segment.setAtIndex(I16, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
        }
        return new Stored(DType.BF16, segment);
    }

    private record Stored(DType dtype, MemorySegment bytes) {}

    /** Opens any directory as the given tensors, square unless a shape is forced. */
    private static final class FakeFormat implements WeightFormat {
        private final Map<String, Stored> tensors;
        private final Map<String, Object> carried;
        private final Shape shape;
        private final long truncateTo;

        FakeFormat(Map<String, Stored> tensors, Map<String, Object> carried) {
            this(tensors, carried, null, -1);
        }

        FakeFormat(Map<String, Stored> tensors, Map<String, Object> carried, Shape shape, long truncateTo) {
            this.tensors = tensors;
            this.carried = carried;
            this.shape = shape;
            this.truncateTo = truncateTo;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public boolean canOpen(Path location) {
            return Files.isDirectory(location);
        }

        @Override
        public WeightSource open(Path location) {
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            tensors.forEach((name, stored) -> {
                long n = stored.bytes().byteSize() / stored.dtype().byteSize();
                int side = (int) Math.round(Math.sqrt(n));
                infos.put(name, new TensorInfo(name, stored.dtype(), shape != null ? shape
                        : side * side == n ? Shape.of(side, side) : Shape.of((int) n)));
            });
            return new WeightSource() {
                @Override
                public Path location() {
                    return location;
                }

                @Override
                public Map<String, TensorInfo> tensors() {
                    return infos;
                }

                @Override
                public Map<String, Object> metadata() {
                    return Map.of();
                }

                @Override
                public MemorySegment data(String name) {
                    MemorySegment bytes = tensors.get(name).bytes();
                    return truncateTo < 0 ? bytes : bytes.asSlice(0, truncateTo);
                }

                @Override
                public Optional<Map<String, Object>> modelConfig() {
                    return Optional.ofNullable(carried);
                }

                @Override
                public void close() {}
            };
        }
    }

    /** One parameter "w" [size, size] in the config's torch_dtype. */
    private static final class TinyFamily implements ModelFamily {
        @Override
        public String name() {
            return "tiny";
        }

        @Override
        public Set<String> architectures() {
            return Set.of("TinyForCausalLM");
        }

        @Override
        public Set<String> modelTypes() {
            return Set.of("tiny");
        }

        @Override
        public CausalLM create(ModelConfig config, TensorOps ops, long seed) {
            int size = config.requireInteger("size");
            DType dtype = TorchDtype.parse(config.string("torch_dtype").orElse("float32")).dtype()
                    .orElse(DType.F32);
            Tensor w = ops.parameter(Shape.of(size, size), dtype);
            return new CausalLM() {
                @Override
                public ModelConfig config() {
                    return config;
                }

                @Override
                public Map<String, Tensor> parameters() {
                    return Map.of("w", w);
                }

                @Override
                public Map<String, LinearLayer> linearLayers() {
                    return Map.of();
                }

                @Override
                public void wrapLinear(String name, UnaryOperator<LinearLayer> wrapper) {
                    throw new IllegalArgumentException(name);
                }

                @Override
                public KvCache newCache(int batch, int capacity) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Tensor forward(Tensor inputIds, Tensor positions, KvCache cache) {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }
}
