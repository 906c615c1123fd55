package dev.kiln.models.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads back the checkpoints src/test/python/safetensors_golden.py wrote with torch. */
class SafetensorsGoldenTest {

    private final SafetensorsFormat format = new SafetensorsFormat();

    @Test
    void singleFileMatchesTorch() throws Exception {
        Path file = golden("single").resolve("model.safetensors");
        assertTrue(format.canOpen(file));
        try (WeightSource source = format.open(file)) {
            assertEquals(file, source.location());
            assertEquals(Map.of("format", "pt"), source.metadata());
            assertMatches(expected("single"), source);
        }
    }

    @Test
    void modelDirectoryOpensItsSingleFile() throws Exception {
        Path dir = golden("single");
        assertTrue(format.canOpen(dir));
        try (WeightSource source = format.open(dir)) {
            assertEquals(dir, source.location());
            assertMatches(expected("single"), source);
        }
    }

    @Test
    void shardedCheckpointMatchesTorch() throws Exception {
        Path dir = golden("sharded");
        assertTrue(format.canOpen(dir));
        try (WeightSource source = format.open(dir)) {
            assertEquals(List.of("model.embed.weight", "model.norm.weight", "lm_head.weight"),
                    List.copyOf(source.tensors().keySet()));
            assertEquals("pt", source.metadata().get("format"));
            assertEquals(80, ((Number) source.metadata().get("total_size")).intValue());
            assertMatches(expected("sharded"), source);
        }
        Path index = dir.resolve(SafetensorsFormat.INDEX);
        assertTrue(format.canOpen(index));
        try (WeightSource source = format.open(index)) {
            assertEquals(3, source.tensors().size());
        }
    }

    @Test
    void tensorsAreDescribed() throws Exception {
        try (WeightSource source = format.open(golden("single"))) {
            TensorInfo bf16 = source.tensors().get("w.bf16");
            assertEquals(DType.BF16, bf16.dtype());
            assertEquals("BF16", bf16.storage());
            assertArrayEquals(new int[] {3, 2}, bf16.shape().toArray());
            assertEquals(0, source.tensors().get("scalar").shape().rank());
            assertEquals(0, source.data("empty").byteSize());
            assertTrue(source.data("w.f32").isReadOnly());
        }
    }

    @Test
    void unknownTensorAndUseAfterClose() throws Exception {
        WeightSource source = format.open(golden("single"));
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> source.data("nope"));
        assertTrue(unknown.getMessage().contains("nope"));
        MemorySegment segment = source.data("w.f32");
        source.close();
        source.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> source.data("w.f32"));
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void recognisesOnlySafetensors(@TempDir Path dir) throws Exception {
        assertFalse(format.canOpen(dir));
        assertFalse(format.canOpen(dir.resolve("missing.safetensors")));
        java.nio.file.Files.writeString(dir.resolve("model.gguf"), "GGUF");
        assertFalse(format.canOpen(dir.resolve("model.gguf")));
        IOException e = assertThrows(IOException.class, () -> format.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()));
    }

    private static void assertMatches(JsonNode expected, WeightSource source) throws IOException {
        assertEquals(expected.size(), source.tensors().size());
        for (Map.Entry<String, JsonNode> entry : expected.properties()) {
            String name = entry.getKey();
            JsonNode want = entry.getValue();
            TensorInfo info = source.tensors().get(name);
            assertEquals(want.get("dtype").textValue(), info.storage(), name);
            int[] shape = new int[want.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = want.get("shape").get(i).intValue();
            }
            assertArrayEquals(shape, info.shape().toArray(), name);
            MemorySegment data = source.data(name);
            assertEquals(info.shape().numel() * info.dtype().byteSize(), data.byteSize(), name);
            JsonNode values = want.get("values");
            for (int i = 0; i < values.size(); i++) {
                assertEquals(values.get(i).doubleValue(), element(data, info.dtype(), i),
                        name + "[" + i + "]");
            }
        }
    }

    /** Element {@code i} of little-endian {@code data}, widened to double. */
    static double element(MemorySegment data, DType dtype, long i) {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        return switch (dtype) {
            case F32 -> data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), i);
            case F16 -> Float.float16ToFloat(
                    data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i));
            case BF16 -> Float.intBitsToFloat(
                    data.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), i) << 16);
            case I64 -> data.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(le), i);
            default -> throw new AssertionError("no golden values of " + dtype);
        };
    }

    private static Path golden(String name) throws URISyntaxException {
        return Path.of(SafetensorsGoldenTest.class.getResource("/golden/" + name).toURI());
    }

    private static JsonNode expected(String checkpoint) throws Exception {
        Path file = golden("expected.json");
        return new ObjectMapper().readTree(file.toFile()).get(checkpoint);
    }
}
