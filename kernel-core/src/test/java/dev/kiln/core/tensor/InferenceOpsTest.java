package dev.kiln.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ops for loading and inference, on the scalar reference and the CPU backend: copyFrom
 * (conversion, chunks, memory-mapped files, bad sizes), half-precision parameters read by
 * linear and embedding, and the KV cache (writeCache, cachedAttention against attention over the
 * same keys, inference-only guards).
 */
class InferenceOpsTest {

    private static final CpuDevice CPU = new CpuDevice(2);
    private static final ValueLayout.OfFloat LE_F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path temp;

    @AfterAll
    static void stopCpuThreads() {
        CPU.close();
    }

    static Stream<Device> devices() {
        return Stream.of(new ReferenceDevice(), CPU);
    }

    // ---- copyFrom ---------------------------------------------------------------------------

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("devices")
    void copyFromConvertsBetweenFloatTypesRoundingToNearestEven(Device device) {
        TensorOps ops = new TensorEngine().on(device);
        float[] values = randoms(37, 1);
        try (Arena arena = Arena.ofConfined()) {
            Tensor f32 = ops.zeros(Shape.of(37), DType.F32);
            ops.copyFrom(f32, f32Segment(arena, values), DType.F32);
            assertArrayEquals(values, f32.toFloatArray());

            Tensor bf16 = ops.zeros(Shape.of(37), DType.BF16);
            ops.copyFrom(bf16, f32Segment(arena, values), DType.F32);
            assertArrayEquals(map(values, InferenceOpsTest::roundToBf16), bf16.toFloatArray());

            Tensor f16 = ops.zeros(Shape.of(37), DType.F16);
            ops.copyFrom(f16, f32Segment(arena, values), DType.F32);
            assertArrayEquals(map(values, v -> Float.float16ToFloat(Float.floatToFloat16(v))),
                    f16.toFloatArray());

            // bf16 values into an f32 tensor widen exactly
            MemorySegment halves = arena.allocate(37 * 2L);
            for (int i = 0; i < 37; i++) {
                halves.setAtIndex(LE_I16, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
            }
            ops.copyFrom(f32, halves, DType.BF16);
            assertArrayEquals(map(values, v -> Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000)),
                    f32.toFloatArray());
        }
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("devices")
    void copyFromInChunksGivesTheSameAsAtOnce(Device device) {
        TensorOps ops = new TensorEngine().on(device);
        HostLoads chunked = new HostLoads(DeviceContext.of(device), 7);
        float[] values = randoms(50, 2);
        try (Arena arena = Arena.ofConfined()) {
            Tensor direct = ops.zeros(Shape.of(5, 10), DType.F32);
            chunked.copyFrom(direct, f32Segment(arena, values), DType.F32);
            assertArrayEquals(values, direct.toFloatArray());
            Tensor converted = ops.zeros(Shape.of(5, 10), DType.BF16);
            chunked.copyFrom(converted, f32Segment(arena, values), DType.F32);
            assertArrayEquals(map(values, InferenceOpsTest::roundToBf16), converted.toFloatArray());
            chunked.zero(DeviceTensor.of(converted));
            assertArrayEquals(new float[50], converted.toFloatArray());
        }
    }

    @Test
    void copyFromReadsAMemoryMappedFile() throws IOException {
        TensorOps ops = new TensorEngine().on(CPU);
        float[] values = randoms(1000, 3);
        Path file = temp.resolve("weights.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.READ);
                Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 8 + 4000L, arena);
            MemorySegment.copy(values, 0, mapped, LE_F32, 8, values.length);
            Tensor t = ops.zeros(Shape.of(10, 100), DType.F32);
            ops.copyFrom(t, mapped.asSlice(8, 4000), DType.F32);
            assertArrayEquals(values, t.toFloatArray());
        }
    }

    /**
     * A segment past 2 GiB: a sparse mapped file of 1.1 G bf16 values, marked beyond the 2 GiB
     * byte offset. Needs a heap that holds a 2.2 GB tensor; skipped on a smaller one.
     */
    @Test
    void copyFromTakesASegmentLargerThan2GiB() throws IOException {
        long n = 1_075_000_000L; // 2.15e9 bytes: just past 2 GiB
        assumeTrue(Runtime.getRuntime().maxMemory() > 5L * n, "needs a heap of " + 5 * n / 1e9 + " GB");
        Path file = temp.resolve("big.bin");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(2 * n);
        }
        long far = (1L << 30) + 12345; // its bytes lie past 2^31
        try (CpuDevice device = new CpuDevice(2, 3 * n);
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2 * n, arena);
            assertTrue(far * 2 > Integer.MAX_VALUE);
            mapped.setAtIndex(LE_I16, 0, bf16Bits(1.5f));
            mapped.setAtIndex(LE_I16, far, bf16Bits(-2.25f));
            mapped.setAtIndex(LE_I16, n - 1, bf16Bits(3f));
            TensorOps ops = new TensorEngine().on(device);
            try (Tensor big = ops.parameter(Shape.of(Math.toIntExact(n)), DType.BF16)) {
                ops.copyFrom(big, mapped, DType.BF16);
                assertArrayEquals(new float[] {1.5f, 0f}, ops.narrow(big, 0, 0, 2).toFloatArray());
                assertArrayEquals(new float[] {0f, -2.25f, 0f},
                        ops.narrow(big, 0, Math.toIntExact(far - 1), 3).toFloatArray());
                assertArrayEquals(new float[] {0f, 3f},
                        ops.narrow(big, 0, Math.toIntExact(n - 2), 2).toFloatArray());
            }
        }
    }

    @Test
    void copyFromRejectsASegmentOfTheWrongSize() {
        TensorOps ops = new TensorEngine().on(new ReferenceDevice());
        Tensor t = ops.zeros(Shape.of(2, 3), DType.F32);
        try (Arena arena = Arena.ofConfined()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.copyFrom(t, arena.allocate(10), DType.BF16));
            assertEquals("copyFrom: 10 bytes of BF16 values, but dst needs 6 elements (12 bytes):"
                    + " dst [2, 3] F32", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ops.copyFrom(t, arena.allocate(24), DType.I32));
            assertEquals("copyFrom: I32 values cannot go into a F32 tensor: dst [2, 3] F32", e.getMessage());
        }
    }

    // ---- half-precision parameters ----------------------------------------------------------

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("devices")
    void bf16ParametersWorkInLinearAndEmbeddingWithF32Gradients(Device device) {
        TensorOps ops = new TensorEngine().on(device);
        float[] weights = map(randoms(6 * 4, 4), InferenceOpsTest::roundToBf16);
        Tensor half = ops.parameter(Shape.of(6, 4), DType.BF16);
        assertEquals(DType.BF16, half.dtype());
        assertTrue(half.requiresGrad());
        assertArrayEquals(new float[24], half.toFloatArray(), "a new parameter is zeros");
        try (Arena arena = Arena.ofConfined()) {
            ops.copyFrom(half, f32Segment(arena, weights), DType.F32);
        }
        Tensor full = ops.parameter(weights, Shape.of(6, 4));
        Tensor x = ops.tensor(randoms(3 * 4, 5), Shape.of(3, 4));
        Tensor ids = ops.tensor(new int[] {5, 0, 5, 2}, Shape.of(2, 2));

        assertArrayEquals(ops.embedding(full, ids).toFloatArray(), ops.embedding(half, ids).toFloatArray());
        assertClose(ops.linear(x, full, null).toFloatArray(), ops.linear(x, half, null).toFloatArray());

        for (Tensor w : new Tensor[] {full, half}) {
            ops.sum(ops.add(ops.sum(ops.linear(x, w, null)), ops.sum(ops.embedding(w, ids)))).backward();
        }
        float[] fullGrad = full.grad().orElseThrow().toFloatArray();
        Tensor halfGrad = half.grad().orElseThrow();
        assertEquals(DType.F32, halfGrad.dtype());
        assertClose(fullGrad, halfGrad.toFloatArray());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.embedding(half, ops.tensor(new int[] {6}, Shape.of(1))));
        assertTrue(e.getMessage().startsWith("embedding: id 6 of token 0 is outside the vocabulary of 6"),
                e.getMessage());
    }

    // ---- KV cache --------------------------------------------------------------------------

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("devices")
    void cachedAttentionEqualsAttentionOverTheKeysWritten(Device device) {
        TensorOps ops = new TensorEngine().on(device);
        int batch = 2, heads = 4, kvHeads = 2, dim = 8, capacity = 9, length = 7;
        Tensor k = ops.tensor(randoms(batch * length * kvHeads * dim, 6), Shape.of(batch, length, kvHeads, dim));
        Tensor v = ops.tensor(randoms(batch * length * kvHeads * dim, 7), Shape.of(batch, length, kvHeads, dim));
        Tensor kCache = ops.zeros(Shape.of(batch, capacity, kvHeads, dim), DType.F32);
        Tensor vCache = ops.zeros(Shape.of(batch, capacity, kvHeads, dim), DType.F32);
        // written in two chunks, as a prefill and a decoding step
        ops.writeCache(kCache, ops.narrow(k, 1, 0, 4), 0);
        ops.writeCache(vCache, ops.narrow(v, 1, 0, 4), 0);
        ops.writeCache(kCache, ops.narrow(k, 1, 4, 3), 4);
        ops.writeCache(vCache, ops.narrow(v, 1, 4, 3), 4);

        int seqQ = 3;
        Tensor q = ops.tensor(randoms(batch * seqQ * heads * dim, 8), Shape.of(batch, seqQ, heads, dim));
        float[] padding = new float[batch * seqQ * length];
        for (int i = 0; i < seqQ; i++) {
            padding[(seqQ + i) * length] = Float.NEGATIVE_INFINITY; // row 1: key 0 is padding
            padding[(seqQ + i) * length + 1] = Float.NEGATIVE_INFINITY;
        }
        Tensor mask = ops.tensor(padding, Shape.of(batch, seqQ, length));
        for (AttentionOptions options : new AttentionOptions[] {
                AttentionOptions.causalFrom(length - seqQ), new AttentionOptions(false, 0.3f, 0)}) {
            float[] want = ops.attention(q, k, v, mask, options).toFloatArray();
            assertClose(want, ops.cachedAttention(q, kCache, vCache, length, mask, options).toFloatArray());
        }
        // the positions past the length are never read
        ops.writeCache(kCache, ops.tensor(randoms(batch * 2 * kvHeads * dim, 9),
                Shape.of(batch, 2, kvHeads, dim)), length);
        assertClose(ops.attention(q, k, v, null, AttentionOptions.causalFrom(4)).toFloatArray(),
                ops.cachedAttention(q, kCache, vCache, length, null, AttentionOptions.causalFrom(4))
                        .toFloatArray());
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("devices")
    void aBf16CacheHoldsTheRoundedKeysAndValuesAndAttentionReadsThem(Device device) {
        TensorOps ops = new TensorEngine().on(device);
        int batch = 2, heads = 4, kvHeads = 2, dim = 8, capacity = 9, length = 7, seqQ = 2;
        float[] kValues = randoms(batch * length * kvHeads * dim, 16);
        float[] vValues = randoms(batch * length * kvHeads * dim, 17);
        Shape rows = Shape.of(batch, length, kvHeads, dim);
        Tensor kCache = ops.zeros(Shape.of(batch, capacity, kvHeads, dim), DType.BF16);
        Tensor vCache = ops.zeros(Shape.of(batch, capacity, kvHeads, dim), DType.BF16);
        // F32 keys and values written in two chunks, rounded once each
        ops.writeCache(kCache, ops.narrow(ops.tensor(kValues, rows), 1, 0, 5), 0);
        ops.writeCache(vCache, ops.narrow(ops.tensor(vValues, rows), 1, 0, 5), 0);
        ops.writeCache(kCache, ops.narrow(ops.tensor(kValues, rows), 1, 5, 2), 5);
        ops.writeCache(vCache, ops.narrow(ops.tensor(vValues, rows), 1, 5, 2), 5);
        float[] stored = ops.narrow(kCache, 1, 0, length).toFloatArray();
        assertArrayEquals(map(kValues, InferenceOpsTest::roundToBf16), stored);

        // attention over the cache is attention over the rounded keys and values
        Tensor q = ops.tensor(randoms(batch * seqQ * heads * dim, 18), Shape.of(batch, seqQ, heads, dim));
        Tensor kRounded = ops.tensor(map(kValues, InferenceOpsTest::roundToBf16), rows);
        Tensor vRounded = ops.tensor(map(vValues, InferenceOpsTest::roundToBf16), rows);
        AttentionOptions options = AttentionOptions.causalFrom(length - seqQ);
        assertClose(ops.attention(q, kRounded, vRounded, null, options).toFloatArray(),
                ops.cachedAttention(q, kCache, vCache, length, null, options).toFloatArray());

        // a BF16 cache copies into another as it is (a continuous-batching slot moving)
        Tensor copy = ops.zeros(Shape.of(batch, capacity, kvHeads, dim), DType.BF16);
        ops.writeCache(copy, ops.narrow(kCache, 1, 0, length), 0);
        assertArrayEquals(stored, ops.narrow(copy, 1, 0, length).toFloatArray());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.cachedAttention(
                q, kCache, ops.zeros(Shape.of(batch, capacity, kvHeads, dim), DType.F32), length, null, options));
        assertTrue(e.getMessage().startsWith("cachedAttention: kCache and vCache must both be F32 or both BF16"),
                e.getMessage());
    }

    @Test
    void theCacheOpsAreInferenceOnly() {
        TensorOps ops = new TensorEngine().on(new ReferenceDevice());
        Tensor cache = ops.zeros(Shape.of(1, 4, 1, 2), DType.F32);
        Tensor values = ops.parameter(new float[] {1, 2}, Shape.of(1, 1, 1, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ops.writeCache(cache, values, 0));
        assertTrue(e.getMessage().startsWith("writeCache: inference only") && e.getMessage().contains("noGrad"),
                e.getMessage());
        Tensor q = ops.parameter(new float[] {1, 2}, Shape.of(1, 1, 1, 2));
        e = assertThrows(IllegalStateException.class, () -> ops.cachedAttention(q, cache, cache, 1, null,
                AttentionOptions.causalFrom(0)));
        assertTrue(e.getMessage().startsWith("cachedAttention: inference only"), e.getMessage());
        try (GradMode off = ops.noGrad()) {
            ops.writeCache(cache, values, 3);
            Tensor out = ops.cachedAttention(q, cache, cache, 4, null, AttentionOptions.causalFrom(3));
            assertTrue(!out.requiresGrad());
        }
    }

    @Test
    void cacheShapesThatDoNotFitAreNamed() {
        TensorOps ops = new TensorEngine().on(new ReferenceDevice());
        Tensor cache = ops.zeros(Shape.of(1, 4, 1, 2), DType.F32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.writeCache(cache, ops.zeros(Shape.of(1, 2, 1, 2), DType.F32), 3));
        assertEquals("writeCache: positions 3..4 are outside the cache's capacity 4:"
                + " cache [1, 4, 1, 2] F32, values [1, 2, 1, 2] F32", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ops.cachedAttention(
                ops.zeros(Shape.of(1, 1, 2, 2), DType.F32), cache, cache, 5, null,
                AttentionOptions.causalFrom(4)));
        assertTrue(e.getMessage().startsWith("cachedAttention: length 5 must be in 1..4"), e.getMessage());
    }

    // ---- helpers --------------------------------------------------------------------------

    private static float[] randoms(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static MemorySegment f32Segment(Arena arena, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * 4);
        MemorySegment.copy(values, 0, segment, LE_F32, 0, values.length);
        return segment;
    }

    /** Round to nearest even on the bits: the definition, independent of any kernel. */
    private static float roundToBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    private static short bf16Bits(float v) {
        return (short) (Float.floatToRawIntBits(v) >>> 16);
    }

    private interface FloatOp {
        float apply(float v);
    }

    private static float[] map(float[] values, FloatOp op) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = op.apply(values[i]);
        }
        return out;
    }

    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5 + 1e-5 * Math.abs(want[i]), "element " + i);
        }
    }
}
