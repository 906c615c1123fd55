package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * bfloat16 inputs are widened exactly and then take the float32 path, so a bf16 product must
 * equal, bit for bit, the float32 product of the widened inputs; the float32 path itself is
 * checked against the reference in {@link SgemmTest}.
 */
class Bf16SgemmTest {

    private static final Parallelism TWO_THREADS = Parallelism.fixed(2);

    @AfterAll
    static void stopThreads() {
        TWO_THREADS.close();
    }

    @Test
    void widensBf16BitsToTheFloatTheyStandFor() {
        assertEquals(1f, Bf16Operand.toFloat((short) 0x3F80));
        assertEquals(-2f, Bf16Operand.toFloat((short) 0xC000));
        assertEquals(0.15625f, Bf16Operand.toFloat((short) 0x3E20));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16Operand.toFloat((short) 0xFF80));
        assertTrue(Float.isNaN(Bf16Operand.toFloat((short) 0x7FC0)));
    }

    @Test
    void equalsTheFloat32ProductOfTheWidenedInputsBitForBit() {
        int[][] shapes = {{1, 1, 1}, {MR + 1, NR + 3, 17}, {13, 2 * NR - 1, 40}, {70, 3 * NR + 5, 300}};
        long seed = 1;
        for (int[] shape : shapes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    for (Parallelism threads : List.of(Parallelism.serial(), TWO_THREADS)) {
                        for (GemmTuning tuning : List.of(SgemmTest.TINY_BLOCKS, SgemmTest.SPLIT_ALWAYS)) {
                            checkAgainstFloat32(transA, transB, shape[0], shape[1], shape[2], threads, tuning, seed++);
                        }
                    }
                }
            }
        }
    }

    /** Both bf16, and float32 A with bf16 B, against float32 on the same values, laid out loosely. */
    private static void checkAgainstFloat32(boolean transA, boolean transB, int m, int n, int k,
                                            Parallelism threads, GemmTuning tuning, long seed) {
        Random random = new Random(seed);
        int off = 3, lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 1, ldc = n + 4;
        short[] a16 = randomBf16(random, off + (transA ? k : m) * lda);
        short[] b16 = randomBf16(random, off + (transB ? n : k) * ldb);
        float[] a32 = widen(a16);
        float[] b32 = widen(b16);
        float[] c = SgemmTest.randomArray(random, off + m * ldc);
        String what = (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n + "x" + k
                + " threads=" + threads.threads() + " " + tuning;

        float[] want = c.clone();
        Sgemm.run(new GemmCall(m, n, k, 0.5f, new F32Operand(a32, off, lda, transA),
                new F32Operand(b32, off, ldb, transB), 2f, want, off, ldc), 0, 0, 0, 1, threads, tuning);

        float[] bothBf16 = c.clone();
        Sgemm.run(new GemmCall(m, n, k, 0.5f, new Bf16Operand(a16, off, lda, transA),
                new Bf16Operand(b16, off, ldb, transB), 2f, bothBf16, off, ldc), 0, 0, 0, 1, threads, tuning);
        assertArrayEquals(want, bothBf16, "bf16 x bf16 " + what);

        float[] bf16Weights = c.clone();
        Sgemm.run(new GemmCall(m, n, k, 0.5f, new F32Operand(a32, off, lda, transA),
                new Bf16Operand(b16, off, ldb, transB), 2f, bf16Weights, off, ldc), 0, 0, 0, 1, threads, tuning);
        assertArrayEquals(want, bf16Weights, "f32 x bf16 " + what);
    }

    @Test
    void thePublicEntryPointsMultiply() {
        // [1 2; 3 4] x [5 6; 7 8], all exactly representable in bfloat16.
        short[] a = bf16(1, 2, 3, 4);
        short[] b = bf16(5, 6, 7, 8);
        float[] c = new float[4];
        Sgemm.multiply(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2, TWO_THREADS);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
        // A float32, B bf16 stored transposed as a linear layer's weight: [5 7; 6 8].
        float[] d = new float[4];
        Sgemm.multiply(false, true, 2, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2, bf16(5, 7, 6, 8), 0, 2,
                0f, d, 0, 2, Parallelism.serial());
        assertArrayEquals(new float[] {19, 22, 43, 50}, d);
    }

    @Test
    void rejectsABf16MatrixThatDoesNotFit() {
        assertThrows(IndexOutOfBoundsException.class, () -> Sgemm.multiply(false, false, 2, 2, 2, 1f,
                new short[3], 0, 2, new short[4], 0, 2, 0f, new float[4], 0, 2, Parallelism.serial()));
    }

    private static short[] randomBf16(Random random, int size) {
        short[] x = new short[size];
        for (int i = 0; i < size; i++) {
            x[i] = (short) (Float.floatToRawIntBits(random.nextFloat() * 2 - 1) >>> 16);
        }
        return x;
    }

    private static short[] bf16(float... values) {
        short[] x = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            x[i] = (short) (Float.floatToRawIntBits(values[i]) >>> 16);
        }
        return x;
    }

    private static float[] widen(short[] bf16) {
        float[] x = new float[bf16.length];
        for (int i = 0; i < bf16.length; i++) {
            x[i] = Float.intBitsToFloat(bf16[i] << 16);
        }
        return x;
    }
}
