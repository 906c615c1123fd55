package dev.kiln.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.weights.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF file src/test/python/gguf_golden.py wrote, and files written here with the same
 * tensors: both must read back as the values the script computed with numpy.
 */
class GgufGoldenTest {

    private final GgufFormat format = new GgufFormat();

    @Test
    void metadataOfEveryValueType() throws Exception {
        try (GgufSource source = format.open(golden("tiny.gguf"))) {
            Map<String, Object> m = source.metadata();
            assertEquals("tiny", m.get("general.architecture"));
            assertEquals(64L, m.get("general.alignment"));
            assertEquals(200, m.get("test.uint8"));
            assertEquals(-100, m.get("test.int8"));
            assertEquals(60000, m.get("test.uint16"));
            assertEquals(-30000, m.get("test.int16"));
            assertEquals(4000000000L, m.get("test.uint32"));
            assertEquals(-2000000000, m.get("test.int32"));
            assertEquals(0.25f, m.get("test.float32"));
            assertEquals(true, m.get("test.bool"));
            assertEquals("h\u00e9llo \u2713", m.get("test.string"));
            assertEquals(1L << 40, m.get("test.uint64"));
            assertEquals(-(1L << 40), m.get("test.int64"));
            assertEquals(-1.5, m.get("test.float64"));
            assertEquals(List.of(1, -2, 3), m.get("test.array.int32"));
            assertEquals(List.of("a", "bc", ""), m.get("test.array.string"));
            assertEquals(List.of(List.of(1, 2), List.of(3)), m.get("test.array.nested"));
            assertEquals(List.of(), m.get("test.array.empty"));
        }
    }

    @Test
    void tensorsDequantizeToTheGoldenValues() throws Exception {
        try (GgufSource source = format.open(golden("tiny.gguf"))) {
            assertEquals(6, source.tensors().size());
            assertTensor(source, "x.f32", "F32", DType.F32, 4, 64);
            assertTensor(source, "x.f16", "F16", DType.F16, 4, 64);
            assertTensor(source, "x.bf16", "BF16", DType.BF16, 4, 64);
            assertTensor(source, "x.q8_0", "Q8_0", DType.F32, 4, 64);
            assertTensor(source, "x.q4_0", "Q4_0", DType.F32, 4, 64);
            assertTensor(source, "cube.q8_0", "Q8_0", DType.F32, 3, 2, 32);
            assertEquals(8 * 34, source.data("x.q8_0").byteSize());
            assertEquals(8 * 18, source.data("x.q4_0").byteSize());
            for (String name : source.tensors().keySet()) {
                assertArrayEquals(floats(golden(name + ".f32")), source.dequantize(name), name);
            }
        }
    }

    @Test
    void tensorsHonourTheAlignmentKey() throws Exception {
        try (GgufSource source = format.open(golden("tiny.gguf"))) {
            // The mapping starts on a page boundary, so file offsets align as addresses do.
            for (String name : source.tensors().keySet()) {
                assertEquals(0, source.data(name).address() % 64, name);
            }
        }
    }

    /** The Java test quantizer and writer against numpy: same bytes, same values, in GGUF v2. */
    @Test
    void quantizedHereMatchesNumpy(@TempDir Path dir) throws Exception {
        float[] x = floats(golden("source.f32"));
        Path file = new GgufWriter().version(2)
                .tensor("x.q8_0", 8, new long[] {64, 4}, GgmlQuantize.q8_0(x))
                .tensor("x.q4_0", 2, new long[] {64, 4}, GgmlQuantize.q4_0(x))
                .write(dir.resolve("written.gguf"));
        try (GgufSource written = format.open(file);
                GgufSource python = format.open(golden("tiny.gguf"))) {
            assertEquals(2, written.version());
            for (String name : List.of("x.q8_0", "x.q4_0")) {
                assertEquals(-1, python.data(name).mismatch(written.data(name)), name);
                assertArrayEquals(floats(golden(name + ".f32")), written.dequantize(name), name);
            }
        }
    }

    @Test
    void integerTensorsAreNotDequantized(@TempDir Path dir) throws Exception {
        Path file = new GgufWriter().tensor("ids", 26, new long[] {2}, new byte[8])
                .write(dir.resolve("ints.gguf"));
        try (GgufSource source = format.open(file)) {
            assertEquals(DType.I32, source.tensors().get("ids").dtype());
            assertThrows(UnsupportedOperationException.class, () -> source.dequantize("ids"));
            assertThrows(IllegalArgumentException.class, () -> source.dequantize("nope"));
        }
    }

    @Test
    void closedSourceRefusesReads() throws Exception {
        GgufSource source = format.open(golden("tiny.gguf"));
        MemorySegment data = source.data("x.f32");
        source.close();
        source.close();
        assertThrows(IllegalStateException.class, () -> source.data("x.f32"));
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void opensADirectoryWithOneGgufFile(@TempDir Path dir) throws Exception {
        Files.copy(golden("tiny.gguf"), dir.resolve("model.gguf"));
        assertTrue(format.canOpen(dir));
        try (GgufSource source = format.open(dir)) {
            assertEquals(dir, source.location());
            assertEquals(6, source.tensors().size());
        }
        Files.copy(golden("tiny.gguf"), dir.resolve("other.gguf"));
        assertFalse(format.canOpen(dir));
        Files.writeString(dir.resolve("notes.txt"), "not a GGUF file");
        assertFalse(format.canOpen(dir.resolve("notes.txt")));
    }

    private static void assertTensor(GgufSource source, String name, String storage, DType dtype,
            int... shape) {
        TensorInfo info = source.tensors().get(name);
        assertEquals(storage, info.storage(), name);
        assertEquals(dtype, info.dtype(), name);
        assertArrayEquals(shape, info.shape().toArray(), name);
    }

    static float[] floats(Path file) throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    static Path golden(String name) throws Exception {
        return Path.of(GgufGoldenTest.class.getResource("/golden/" + name).toURI());
    }
}
