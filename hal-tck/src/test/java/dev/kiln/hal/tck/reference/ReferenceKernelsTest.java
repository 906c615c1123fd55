package dev.kiln.hal.tck.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.RopeSpec.Scaling;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.math.Pointwise;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The reference formulas against values worked out independently (by hand, or with Python's
 * math module and numpy): the kit trusts the reference, so the reference is pinned here.
 */
class ReferenceKernelsTest {

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ReferenceDevice device = new ReferenceDevice();

    @Test
    void erfMatchesPythonMath() {
        assertEquals(0.5204998778130465, Pointwise.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, Pointwise.erf(1.0), 1e-15);
        assertEquals(0.999593047982555, Pointwise.erf(2.5), 1e-15);
        assertEquals(-0.9999779095030014, Pointwise.erf(-3.0), 1e-15);
        assertEquals(0.0011283787909692365, Pointwise.erf(1e-3), 1e-18);
        assertEquals(1.0, Pointwise.erf(7), 0);
        assertEquals(0.0, Pointwise.erf(0), 0);
    }

    @Test
    void activationsMatchTheirDefinitions() {
        assertEquals(0.7310585786300049, Pointwise.activation(Activation.SILU, 1), 1e-15);
        assertEquals(-0.2384058440442351, Pointwise.activation(Activation.SILU, -2), 1e-15);
        assertEquals(0.8413447460685429, Pointwise.activation(Activation.GELU_ERF, 1), 1e-15);
        assertEquals(-0.04550026389635842, Pointwise.activation(Activation.GELU_ERF, -2), 1e-15);
        assertEquals(0.8411919906082768, Pointwise.activation(Activation.GELU_TANH, 1), 1e-15);
        assertEquals(-0.04540230591222494, Pointwise.activation(Activation.GELU_TANH, -2), 1e-15);
        assertEquals(0, Pointwise.activation(Activation.RELU, -3), 0);
        assertEquals(0, Pointwise.activationDerivative(Activation.RELU, 0), 0);
    }

    @Test
    void ropeRotateHalfAndInterleavedPairDifferentDims() {
        // headDim 4, theta 10000: frequencies 1 and 0.01; position 1 turns pair 0 by 1 radian.
        float[] rotateHalf = rotate(new RopeSpec(4, 4, 10_000, false, Scaling.NONE), 1, 0, 0, 0);
        assertArrayEquals(new float[] {(float) Math.cos(1), 0, (float) Math.sin(1), 0}, rotateHalf, 1e-7f);
        float[] interleaved = rotate(new RopeSpec(4, 4, 10_000, true, Scaling.NONE), 1, 0, 0, 0);
        assertArrayEquals(new float[] {(float) Math.cos(1), (float) Math.sin(1), 0, 0}, interleaved, 1e-7f);
    }

    @Test
    void partialRotaryLeavesTheTailAlone() {
        float[] x = rotate(new RopeSpec(6, 2, 10_000, false, Scaling.NONE), 0, 1, 2, 3, 4, 5);
        assertEquals((float) -Math.sin(1), x[0], 1e-7f);
        assertEquals((float) Math.cos(1), x[1], 1e-7f);
        assertArrayEquals(new float[] {2, 3, 4, 5}, new float[] {x[2], x[3], x[4], x[5]});
    }

    @Test
    void linearScalingDividesTheFrequencies() {
        double[] plain = ReferenceKernels.ropeInverseFrequencies(new RopeSpec(8, 8, 10_000, false, Scaling.NONE));
        double[] linear = ReferenceKernels.ropeInverseFrequencies(new RopeSpec(8, 8, 10_000, false, Scaling.linear(4)));
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i] / 4, linear[i], 1e-18);
        }
    }

    /** Llama 3.1's rope_scaling, against numpy doing transformers' _compute_llama3_parameters. */
    @Test
    void llama3ScalingKeepsHighFrequenciesDividesLowOnesAndBlendsBetween() {
        double[] f = ReferenceKernels.ropeInverseFrequencies(
                new RopeSpec(128, 128, 500_000, false, Scaling.llama3(8, 1, 4, 8192)));
        assertEquals(64, f.length);
        assertEquals(1.0, f[0], 0);
        assertEquals(0.0032114459947525913, f[28], 1e-17); // wavelength 1956 < 2048: kept
        assertEquals(0.002166570763503359, f[29], 1e-17); // blended
        assertEquals(0.0005248461609929547, f[32], 1e-17);
        assertEquals(0.00017850781276799638, f[34], 1e-18);
        assertEquals(9.556212353964683e-05, f[35], 1e-19); // wavelength 8219 > 8192: divided by 8
        assertEquals(3.068925988914511e-07, f[63], 1e-21);
    }

    @Test
    void unknownRopeScalingIsRejectedBeforeAnyKernelRuns() {
        assertThrows(IllegalArgumentException.class, () -> new Scaling("yarn", 4, 1, 1, 4096));
    }

    /** The hash pinned by an independent SplitMix64 in Python. */
    @Test
    void dropoutKeepIsSplitMix64OfSeedAndIndex() {
        assertEquals("10001000101110010001001001011001", mask(42, 0.5f, 32));
        assertEquals("1".repeat(32), mask(-7, 0.1f, 32));
        assertEquals("1".repeat(32), mask(123, 0f, 32));
        assertEquals("0".repeat(32), mask(123, 1f, 32));
    }

    @Test
    void dropoutKeepsAboutOneMinusPAndSeedsAreIndependent() {
        int n = 200_000;
        int kept = 0;
        int agree = 0;
        for (int i = 0; i < n; i++) {
            boolean a = ReferenceKernels.dropoutKeep(1, i, 0.3f);
            boolean b = ReferenceKernels.dropoutKeep(2, i, 0.3f);
            kept += a ? 1 : 0;
            agree += a == b ? 1 : 0;
        }
        assertEquals(0.7, kept / (double) n, 0.005);
        // Independent masks agree with probability 0.7^2 + 0.3^2 = 0.58.
        assertEquals(0.58, agree / (double) n, 0.005);
    }

    /** One AdamW step worked out by hand, as torch.optim.AdamW takes it. */
    @Test
    void adamWFirstStep() {
        DeviceBuffer param = upload(1f);
        DeviceBuffer grad = upload(0.5f);
        DeviceBuffer m = upload(0f);
        DeviceBuffer v = upload(0f);
        device.kernels().adamW(new AdamWStep(0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, 1), Slice.of(param), Slice.of(grad),
                Slice.of(m), Slice.of(v), 1);
        // In exact decimals: p = 1 (1 - 0.1·0.01) = 0.999; m = 0.05, v = 0.00025; m̂ = 0.5,
        // v̂ = 0.25; p -= 0.1·0.5 / (0.5 + 1e-8), so p = 0.899000002. The float hyper-parameters
        // are a hair off those decimals (1 - 0.9f = 0.10000002), hence the tolerances.
        assertEquals(0.899000002, download(param)[0], 1e-7);
        assertEquals(0.05, download(m)[0], 5e-8);
        assertEquals(0.00025, download(v)[0], 5e-9);
    }

    @Test
    void attentionOverOneKeyReturnsItsValue() {
        AttentionShape shape = AttentionShape.causalSelf(1, 1, 1, 1, 2);
        DeviceBuffer q = upload(0.3f, -0.2f);
        DeviceBuffer k = upload(1f, 2f);
        DeviceBuffer v = upload(5f, -7f);
        DeviceBuffer out = upload(Float.NaN, Float.NaN);
        DeviceBuffer lse = upload(Float.NaN);
        device.kernels().attention(shape, Slice.of(q), Slice.of(k), Slice.of(v), null, Slice.of(out), Slice.of(lse));
        assertArrayEquals(new float[] {5f, -7f}, download(out));
        assertEquals((float) ((0.3f * 1 - 0.2f * 2) / Math.sqrt(2)), download(lse)[0], 1e-7f);
    }

    @Test
    void fullyMaskedAttentionRowGivesZeroAndMinusInfinity() {
        AttentionShape shape = new AttentionShape(1, 1, 2, 2, 1, 1, 1, 1f, false, 0);
        DeviceBuffer mask = upload(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY);
        DeviceBuffer out = upload(Float.NaN);
        DeviceBuffer lse = upload(Float.NaN);
        device.kernels().attention(shape, Slice.of(upload(1f)), Slice.of(upload(1f, 2f)), Slice.of(upload(3f, 4f)),
                Slice.of(mask), Slice.of(out), Slice.of(lse));
        assertEquals(0f, download(out)[0]);
        assertEquals(Float.NEGATIVE_INFINITY, download(lse)[0]);
    }

    @Test
    void crossEntropyOfUniformLogitsIsLogVocab() {
        DeviceBuffer logits = upload(2f, 2f, 2f, 2f, 9f, 1f);
        DeviceBuffer targets = device.allocate(DType.I32, 2);
        uploadInts(targets, 2, -100);
        DeviceBuffer losses = upload(Float.NaN, Float.NaN);
        DeviceBuffer lse = upload(Float.NaN, Float.NaN);
        device.kernels().crossEntropy(Slice.of(logits), Slice.of(targets), Slice.of(losses), Slice.of(lse), 2, 3, -100);
        // Row 0: logits (2, 2, 2), target 2; row 1 is ignored.
        assertArrayEquals(new float[] {(float) Math.log(3), 0f}, download(losses), 1e-6f);
        assertArrayEquals(new float[] {(float) (2 + Math.log(3)), 0f}, download(lse), 1e-6f);
    }

    @Test
    void operandsTooSmallAreRejectedBeforeAnythingIsWritten() {
        DeviceBuffer x = upload(1f, 2f, 3f);
        DeviceBuffer out = upload(9f, 9f, 9f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> device.kernels().softmax(Slice.of(x), new Slice(out, 1), 1, 3));
        assertTrue(e.getMessage().contains("softmax out"), e.getMessage());
        assertArrayEquals(new float[] {9f, 9f, 9f}, download(out));
    }

    @Test
    void integerOperandsMustHoldIntegers() {
        DeviceBuffer floats = upload(0f);
        assertThrows(IllegalArgumentException.class, () -> device.kernels().embedding(Slice.of(upload(1f)),
                Slice.of(floats), Slice.of(upload(0f)), 1, 1, 1));
    }

    @Test
    void embeddingRejectsIdsOutsideTheVocabulary() {
        DeviceBuffer ids = device.allocate(DType.I32, 1);
        uploadInts(ids, 5);
        assertThrows(IllegalArgumentException.class, () -> device.kernels().embedding(Slice.of(upload(1f, 2f)),
                Slice.of(ids), Slice.of(upload(0f)), 1, 1, 2));
    }

    private float[] rotate(RopeSpec spec, float... x) {
        DeviceBuffer values = upload(x);
        DeviceBuffer positions = device.allocate(DType.I32, 1);
        uploadInts(positions, 1);
        device.kernels().rope(spec, Slice.of(values), Slice.of(positions), 1, 1, false);
        return download(values);
    }

    private static String mask(long seed, float p, int n) {
        StringBuilder bits = new StringBuilder();
        for (int i = 0; i < n; i++) {
            bits.append(ReferenceKernels.dropoutKeep(seed, i, p) ? '1' : '0');
        }
        return bits.toString();
    }

    private DeviceBuffer upload(float... values) {
        DeviceBuffer buffer = device.allocate(DType.F32, values.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) values.length * Float.BYTES);
            MemorySegment.copy(values, 0, host, LE_FLOAT, 0, values.length);
            device.upload(host, Slice.of(buffer));
        }
        return buffer;
    }

    private void uploadInts(DeviceBuffer buffer, int... values) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate((long) values.length * Integer.BYTES);
            MemorySegment.copy(values, 0, host, LE_INT, 0, values.length);
            device.upload(host, Slice.of(buffer));
        }
    }

    private float[] download(DeviceBuffer buffer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(buffer.bytes());
            device.download(Slice.of(buffer), host);
            float[] values = new float[(int) buffer.elements()];
            MemorySegment.copy(host, LE_FLOAT, 0, values, 0, values.length);
            return values;
        }
    }
}
