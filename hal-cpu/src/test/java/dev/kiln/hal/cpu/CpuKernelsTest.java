package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.HostData.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.Arrays;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Against the reference device, the paths the conformance kit does not reach: GEMM inputs Sgemm
 * cannot read directly, batches accumulating into one C, a RoPE table outgrown, the backward of a
 * batched KV cache with spare capacity, KV caches of the wrong dtypes, and conversions to and
 * from I32.
 */
class CpuKernelsTest {

    private final CpuDevice cpu = new CpuDevice(2, 1L << 30, 61);
    private final ReferenceDevice reference = new ReferenceDevice();
    private final Random random = new Random(7);

    /** One operand on both devices. */
    private record Both(DeviceBuffer cpu, DeviceBuffer reference) {}

    @AfterEach
    void stopThreads() {
        cpu.close();
    }

    @Test
    void gemmConvertsTheInputsSgemmCannotRead() {
        DType[][] pairs = {{DType.BF16, DType.F32}, {DType.F16, DType.BF16}, {DType.BF16, DType.F16},
            {DType.F16, DType.F32}, {DType.F32, DType.F16}};
        for (DType[] types : pairs) {
            for (boolean transA : new boolean[] {false, true}) {
                Gemm g = Gemm.of(transA, !transA, 19, 37, 70);
                Both a = both(types[0], uniform(random, 19 * 70, -1, 1));
                Both b = both(types[1], uniform(random, 70 * 37, -1, 1));
                Both c = both(DType.F32, new float[19 * 37]);
                run((kernels, on) -> kernels.gemm(g, on.apply(a), on.apply(b), on.apply(c)));
                assertClose("C, A " + types[0] + " B " + types[1] + (transA ? " TN" : " NT"), c, 2e-6 * 70);
            }
        }
    }

    /** Decoding's products, a few rows of A by a weight stored n x k, take the unpacked GEMV path. */
    @Test
    void gemmOfAFewRowsByAnyWeightTypeMatchesTheReference() {
        for (DType weights : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int m = 1; m <= 5; m++) {
                for (int[] nk : new int[][] {{1, 1}, {7, 33}, {67, 257}, {130, 100}}) {
                    int n = nk[0], k = nk[1];
                    for (Gemm g : new Gemm[] {Gemm.of(false, true, m, n, k), Gemm.of(true, true, m, n, k),
                        new Gemm(false, true, m, n, k, -0.5f, 2f, k, k, n, 1, 0, 0, 0)}) {
                        Both a = both(DType.F32, uniform(random, m * k, -1, 1));
                        Both b = both(weights, uniform(random, n * k, -1, 1));
                        Both c = both(DType.F32, uniform(random, m * n, -1, 1));
                        run((kernels, on) -> kernels.gemm(g, on.apply(a), on.apply(b), on.apply(c)));
                        assertClose("C = A Bᵀ, " + m + "x" + n + "x" + k + " " + weights + " " + g, c,
                                2e-6 * (k + 2));
                    }
                }
            }
        }
    }

    @Test
    void aBatchWithOneCAccumulatesProductAfterProduct() {
        for (DType type : new DType[] {DType.F32, DType.BF16}) {
            Gemm g = new Gemm(false, false, 5, 9, 13, 0.5f, 1f, 13, 9, 9, 3, 5 * 13, 13 * 9, 0);
            Both a = both(type, uniform(random, 3 * 5 * 13, -1, 1));
            Both b = both(type, uniform(random, 3 * 13 * 9, -1, 1));
            Both c = both(DType.F32, uniform(random, 5 * 9, -1, 1));
            run((kernels, on) -> kernels.gemm(g, on.apply(a), on.apply(b), on.apply(c)));
            assertClose("C, " + type, c, 1e-5);
        }
    }

    @Test
    void gemmMayWriteOverItsOwnInput() {
        // C = A B with C on top of A; k spans two of Sgemm's depth passes, so the second pass
        // would read an A the first had overwritten. Then C = A B + C with B overlapping C.
        Gemm overA = Gemm.of(false, false, 40, 300, 300);
        Both ab = both(DType.F32, uniform(random, 40 * 300 + 300 * 300, -1, 1));
        run((kernels, on) -> kernels.gemm(overA, on.apply(ab), new Slice(on.apply(ab).buffer(), 40 * 300),
                on.apply(ab)));
        assertClose("C over A", ab, 1e-5);
        Gemm overB = Gemm.of(true, false, 40, 300, 300).accumulate();
        run((kernels, on) -> kernels.gemm(overB, new Slice(on.apply(ab).buffer(), 40 * 300), on.apply(ab),
                new Slice(on.apply(ab).buffer(), 300 * 300 - 5000)));
        assertClose("C over part of B", ab, 1e-5);
    }

    @Test
    void ropeRebuildsItsTableForPositionsBeyondIt() {
        RopeSpec spec = new RopeSpec(16, 16, 10_000, false, RopeSpec.Scaling.NONE);
        for (int maxPosition : new int[] {100, CpuRope.MIN_POSITIONS + 5, 9_000}) {
            int tokens = 6;
            int[] positions = new int[tokens];
            for (int t = 0; t < tokens; t++) {
                positions[t] = random.nextInt(maxPosition);
            }
            positions[tokens - 1] = maxPosition - 1;
            Both x = both(DType.F32, uniform(random, tokens * 2 * 16, -1, 1));
            Both pos = new Both(HostData.uploadInts(cpu, positions), HostData.uploadInts(reference, positions));
            run((kernels, on) -> kernels.rope(spec, on.apply(x), on.apply(pos), tokens, 2, false));
            assertClose("x, positions < " + maxPosition, x, 1e-5 * (1 + maxPosition / 20.0));
        }
    }

    @Test
    void attentionBackwardOfABatchedCacheLeavesTheSpareCapacityAlone() {
        AttentionShape s = new AttentionShape(3, 2, 9, 14, 4, 2, 16, 0.25f, true, 7);
        Both q = both(DType.F32, uniform(random, (int) s.queryElements(), -1, 1));
        Both k = both(DType.F32, uniform(random, (int) s.keyElements(), -1, 1));
        Both v = both(DType.F32, uniform(random, (int) s.keyElements(), -1, 1));
        Both out = both(DType.F32, new float[(int) s.queryElements()]);
        Both lse = both(DType.F32, new float[(int) s.lseElements()]);
        run((kernels, on) -> kernels.attention(s, on.apply(q), on.apply(k), on.apply(v), null, on.apply(out),
                on.apply(lse)));
        assertClose("out", out, 2e-5);
        Both dOut = both(DType.F32, uniform(random, (int) s.queryElements(), -1, 1));
        Both dq = both(DType.F32, new float[(int) s.queryElements()]);
        float[] sevens = new float[(int) s.keyElements()];
        Arrays.fill(sevens, 7f);
        Both dk = both(DType.F32, sevens);
        Both dv = both(DType.F32, sevens);
        run((kernels, on) -> kernels.attentionBackward(s, on.apply(q), on.apply(k), on.apply(v), null,
                on.apply(out), on.apply(lse), on.apply(dOut), on.apply(dq), on.apply(dk), on.apply(dv)));
        assertClose("dq", dq, 5e-5);
        assertClose("dk (7 where the cache is spare)", dk, 5e-5);
        assertClose("dv (7 where the cache is spare)", dv, 5e-5);
    }

    @Test
    void attentionTakesAKvCacheOfF32OrBf16Only() {
        AttentionShape s = new AttentionShape(1, 1, 4, 4, 2, 1, 8, 0.25f, true, 3);
        DeviceBuffer q = cpu.allocate(DType.F32, s.queryElements());
        DeviceBuffer out = cpu.allocate(DType.F32, s.queryElements());
        DeviceBuffer lse = cpu.allocate(DType.F32, s.lseElements());
        for (DType[] kv : new DType[][] {{DType.F16, DType.F16}, {DType.BF16, DType.F32}, {DType.I32, DType.I32}}) {
            DeviceBuffer k = cpu.allocate(kv[0], s.keyElements());
            DeviceBuffer v = cpu.allocate(kv[1], s.keyElements());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.kernels().attention(
                    s, Slice.of(q), Slice.of(k), Slice.of(v), null, Slice.of(out), Slice.of(lse)));
            assertEquals("attention: k and v must both be F32 or both BF16, not " + kv[0] + " and " + kv[1],
                    e.getMessage());
        }
    }

    @Test
    void conversionsToAndFromI32RoundHalfToEvenAndSaturate() {
        float[] floats = {0.5f, 1.5f, 2.5f, -2.5f, -0.5f, 3.49f, 1e10f, -1e10f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, 65504f, -7f, 1024.5f};
        for (DType from : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            Both src = both(from, floats);
            Both dst = both(DType.I32, new float[floats.length]);
            run((kernels, on) -> kernels.convert(on.apply(src), on.apply(dst), floats.length));
            assertClose(from + " to I32", dst, 0);
        }
        int[] ints = {0, 1, -1, 16_777_217, 16_777_219, Integer.MAX_VALUE, Integer.MIN_VALUE, 65_519, 65_520,
            257, 259, 33_025, -33_025, 2049};
        for (DType to : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            Both src = new Both(HostData.uploadInts(cpu, ints), HostData.uploadInts(reference, ints));
            Both dst = both(to, new float[ints.length]);
            run((kernels, on) -> kernels.convert(on.apply(src), on.apply(dst), ints.length));
            assertClose("I32 to " + to, dst, 0);
        }
    }

    private Both both(DType dtype, float[] values) {
        return new Both(HostData.upload(cpu, dtype, values), HostData.upload(reference, dtype, values));
    }

    private void run(BiConsumer<Kernels, Function<Both, Slice>> call) {
        call.accept(reference.kernels(), both -> Slice.of(both.reference()));
        call.accept(cpu.kernels(), both -> Slice.of(both.cpu()));
    }

    /** Within {@code rtol} of the largest |expected|; 0 compares bits (NaN matching NaN). */
    private void assertClose(String what, Both both, double rtol) {
        float[] expected = HostData.download(reference, both.reference());
        float[] actual = HostData.download(cpu, both.cpu());
        assertEquals(expected.length, actual.length);
        double largest = 0;
        for (float value : expected) {
            largest = Math.max(largest, Float.isFinite(value) ? Math.abs(value) : 0);
        }
        for (int i = 0; i < expected.length; i++) {
            boolean ok = rtol == 0 ? Float.compare(expected[i], actual[i]) == 0
                    : Math.abs(expected[i] - actual[i]) <= rtol * largest;
            if (!ok) {
                fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }
}
