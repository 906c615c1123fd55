package dev.kiln.hal.cpu.kernel;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input fails up front with an IllegalArgumentException that says what is wrong. */
class FlashAttentionValidationTest {

    private static final AttentionSpec SPEC = AttentionSpec.of(2, 3, 5, 4, 2, 8);
    private static final int Q = 2 * 3 * 4 * 8;
    private static final int KV = 2 * 5 * 2 * 8;
    private static final int LSE = 2 * 4 * 3;
    private static final int MASK = 2 * 3 * 5;

    @Test
    void impossibleSpecsAreRejected() {
        assertFails(() -> AttentionSpec.of(1, 4, 4, 6, 4, 8), "numHeads 6 is not a multiple of numKvHeads 4");
        assertFails(() -> AttentionSpec.of(1, 4, 4, 4, 4, 0), "headDim must be positive, got 0");
        assertFails(() -> AttentionSpec.of(1, 0, 4, 4, 4, 8), "seqQ must be positive, got 0");
        assertFails(() -> SPEC.withQueryOffset(-1), "queryOffset must be >= 0");
        assertFails(() -> SPEC.withScale(Float.NaN), "scale must be finite");
    }

    @Test
    void forwardNamesTheOperandThatDoesNotFit() {
        assertFails(() -> forward(new float[Q - 1], 0, new float[KV], new float[MASK], new float[LSE]),
                "q [batch, seqQ, numHeads, headDim] = [2, 3, 4, 8] needs 192 floats from offset 0, "
                        + "but the array has 191");
        assertFails(() -> forward(new float[Q], 5, new float[KV], new float[MASK], new float[LSE]),
                "q [batch, seqQ, numHeads, headDim] = [2, 3, 4, 8] needs 192 floats from offset 5");
        assertFails(() -> forward(new float[Q], -1, new float[KV], new float[MASK], new float[LSE]),
                "q offset -1 is negative");
        assertFails(() -> forward(new float[Q], 0, new float[KV - 8], new float[MASK], new float[LSE]),
                "k [batch, seqK, numKvHeads, headDim] = [2, 5, 2, 8] needs 160 floats");
        assertFails(() -> forward(new float[Q], 0, null, new float[MASK], new float[LSE]), "k is null");
        assertFails(() -> forward(new float[Q], 0, new float[KV], new float[MASK - 1], new float[LSE]),
                "mask [batch, seqQ, seqK] = [2, 3, 5] needs 30 floats");
        assertFails(() -> forward(new float[Q], 0, new float[KV], new float[MASK], new float[LSE - 1]),
                "lse [batch, numHeads, seqQ] = [2, 4, 3] needs 24 floats");
    }

    @Test
    void forwardRejectsABadRangeScratchOrSpec() {
        float[] q = new float[Q], kv = new float[KV], out = new float[Q];
        assertFails(() -> FlashAttention.forward(SPEC, q, 0, kv, 0, kv, 0, null, 0, out, 0, null, 0,
                0, 9, new AttentionScratch()), "work range [0, 9) is not within [0, 8) (batch, head) pairs");
        assertFails(() -> FlashAttention.forward(SPEC, q, 0, kv, 0, kv, 0, null, 0, out, 0, null, 0,
                3, 2, new AttentionScratch()), "work range [3, 2)");
        assertFails(() -> FlashAttention.forward(SPEC, q, 0, kv, 0, kv, 0, null, 0, out, 0, null, 0,
                0, 8, null), "the scratch is null");
        assertFails(() -> FlashAttention.forward(null, q, 0, kv, 0, kv, 0, null, 0, out, 0, null, 0),
                "the spec is null");
    }

    @Test
    void backwardChecksEveryOperandAndItsRange() {
        float[] q = new float[Q], kv = new float[KV], lse = new float[LSE];
        assertFails(() -> FlashAttention.backward(SPEC, q, 0, kv, 0, kv, 0, null, 0, q, 0, q, 0, null, 0,
                q, 0, kv, 0, kv, 0), "lse is null");
        assertFails(() -> FlashAttention.backward(SPEC, q, 0, kv, 0, kv, 0, null, 0, q, 0, new float[3], 0,
                lse, 0, q, 0, kv, 0, kv, 0), "outGrad [batch, seqQ, numHeads, headDim]");
        assertFails(() -> FlashAttention.backward(SPEC, q, 0, kv, 0, kv, 0, null, 0, q, 0, q, 0, lse, 0,
                q, 0, kv, 1, kv, 0), "kGrad [batch, seqK, numKvHeads, headDim] = [2, 5, 2, 8] needs 160 floats "
                + "from offset 1");
        assertFails(() -> FlashAttention.backward(SPEC, q, 0, kv, 0, kv, 0, null, 0, q, 0, q, 0, lse, 0,
                q, 0, kv, 0, kv, 0, 0, 5, new AttentionScratch()),
                "work range [0, 5) is not within [0, 4) (batch, kv head) pairs");
    }

    private static void forward(float[] q, int qOffset, float[] kv, float[] mask, float[] lse) {
        FlashAttention.forward(SPEC, q, qOffset, kv, 0, kv, 0, mask, 0, new float[Q], 0, lse, 0);
    }

    private static void assertFails(Executable call, String expectedMessagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith("attention: "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedMessagePart),
                () -> "expected \"" + expectedMessagePart + "\" in: " + e.getMessage());
    }
}
