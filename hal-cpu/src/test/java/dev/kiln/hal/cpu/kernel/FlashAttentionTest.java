package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.FlashAttentionTest.Operands.assertAllFinite;
import static dev.kiln.hal.cpu.kernel.FlashAttentionTest.Operands.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.hal.cpu.kernel.FlashAttentionTest.Operands.Mask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FlashAttention} against {@link AttentionReference}: forward and backward over shapes
 * that exercise the tiling (sequence lengths below, at and across the vector width and the key
 * tile; head dims that are not a multiple of it), grouped-query attention, causal masking,
 * additive masks with fully masked rows, and the KV-cache decoding path; plus reproducibility
 * across work splits and threads.
 */
class FlashAttentionTest {

    private static final double FORWARD_TOLERANCE = 1e-5;
    private static final double BACKWARD_TOLERANCE = 1e-4;

    /** A named shape and mask kind. */
    record Case(String name, AttentionSpec spec, Mask mask) {
        @Override
        public String toString() {
            return name + " " + spec + " mask=" + mask;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("one query, one key", AttentionSpec.of(1, 1, 1, 1, 1, 7), Mask.NONE),
                new Case("head dim 1", AttentionSpec.of(1, 9, 9, 1, 1, 1).withCausal(true), Mask.NONE),
                new Case("odd lengths, GQA 2", AttentionSpec.of(2, 5, 5, 2, 1, 33).withCausal(true), Mask.NONE),
                new Case("one lane tile, GQA 4", AttentionSpec.of(1, 17, 17, 4, 1, 80).withCausal(true), Mask.NONE),
                new Case("GQA 8, masked", AttentionSpec.of(1, 33, 33, 8, 1, 64), Mask.RANDOM),
                new Case("empty rows, causal", AttentionSpec.of(2, 40, 40, 4, 4, 16).withCausal(true),
                        Mask.WITH_EMPTY_ROWS),
                new Case("empty rows, non-causal", AttentionSpec.of(1, 23, 31, 2, 1, 7), Mask.WITH_EMPTY_ROWS),
                new Case("two key tiles", AttentionSpec.of(1, 70, 70, 2, 2, 96).withCausal(true), Mask.NONE),
                new Case("three key tiles, head dim 128", AttentionSpec.of(1, 130, 130, 2, 1, 128).withCausal(true),
                        Mask.NONE),
                new Case("more keys than queries", AttentionSpec.of(1, 20, 150, 3, 1, 24), Mask.RANDOM),
                new Case("chunk after a cache", AttentionSpec.of(1, 24, 100, 4, 2, 40).withCausal(true)
                        .withQueryOffset(76), Mask.NONE),
                new Case("decode one token, GQA 4", AttentionSpec.of(1, 1, 37, 8, 2, 64).withCausal(true)
                        .withQueryOffset(36), Mask.NONE),
                new Case("decode one token, masked", AttentionSpec.of(2, 1, 90, 2, 2, 80).withCausal(true)
                        .withQueryOffset(89), Mask.RANDOM),
                new Case("decode three tokens", AttentionSpec.of(2, 3, 29, 4, 2, 33).withCausal(true)
                        .withQueryOffset(26), Mask.NONE),
                new Case("decode three tokens, empty rows", AttentionSpec.of(1, 3, 70, 2, 1, 64).withCausal(true)
                        .withQueryOffset(67), Mask.WITH_EMPTY_ROWS),
                new Case("custom scale", AttentionSpec.of(1, 12, 12, 2, 2, 20).withScale(0.5f), Mask.NONE));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardMatchesTheReference(Case c) {
        Operands x = Operands.random(c.spec(), c.mask(), c.name().hashCode());
        Operands.Forward actual = x.forward();
        AttentionReference.Forward expected = x.referenceForward();
        assertClose("out", expected.out(), actual.out(), FORWARD_TOLERANCE);
        assertClose("lse", expected.lse(), actual.lse(), FORWARD_TOLERANCE);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void backwardMatchesTheReference(Case c) {
        Operands x = Operands.random(c.spec(), c.mask(), c.name().hashCode() + 1);
        Operands.Gradients actual = x.backward(x.forward());
        AttentionReference.Gradients expected = x.referenceBackward();
        assertClose("dq", expected.q(), actual.q(), BACKWARD_TOLERANCE);
        assertClose("dk", expected.k(), actual.k(), BACKWARD_TOLERANCE);
        assertClose("dv", expected.v(), actual.v(), BACKWARD_TOLERANCE);
    }

    @Test
    void largeScoresStayAccurateThanksToTheRunningMax() {
        // Scores up to ~150: a softmax without max subtraction would overflow exp.
        AttentionSpec spec = AttentionSpec.of(1, 50, 150, 2, 1, 16).withScale(1f).withCausal(true)
                .withQueryOffset(100);
        Operands x = Operands.random(spec, Mask.NONE, 7, 3f);
        Operands.Forward actual = x.forward();
        AttentionReference.Forward expected = x.referenceForward();
        assertClose("out", expected.out(), actual.out(), FORWARD_TOLERANCE);
        assertClose("lse", expected.lse(), actual.lse(), FORWARD_TOLERANCE);
        Operands.Gradients grads = x.backward(actual);
        AttentionReference.Gradients expectedGrads = x.referenceBackward();
        assertClose("dq", expectedGrads.q(), grads.q(), BACKWARD_TOLERANCE);
        assertClose("dk", expectedGrads.k(), grads.k(), BACKWARD_TOLERANCE);
        assertClose("dv", expectedGrads.v(), grads.v(), BACKWARD_TOLERANCE);
    }

    @Test
    void fullyMaskedRowsGiveZeroOutputMinusInfinityLseAndNoGradient() {
        // A tile of queries in lanes, and the single-row decoding path.
        for (AttentionSpec spec : new AttentionSpec[] {
                AttentionSpec.of(1, 20, 20, 2, 1, 24).withCausal(true),
                AttentionSpec.of(1, 3, 20, 2, 1, 24).withCausal(true).withQueryOffset(17)}) {
            Operands x = Operands.random(spec, Mask.WITH_EMPTY_ROWS, 3);
            Operands.Forward f = x.forward();
            Operands.Gradients g = x.backward(f);
            for (int h = 0; h < spec.numHeads(); h++) {
                for (int i = 0; i < spec.seqQ(); i += 5) {
                    assertEquals(Float.NEGATIVE_INFINITY, f.lse()[h * spec.seqQ() + i], "lse of empty row " + i);
                    for (int p = 0; p < spec.headDim(); p++) {
                        int at = AttentionReference.queryIndex(spec, 0, i, h, p);
                        assertEquals(0f, f.out()[at], "out of empty row " + i);
                        assertEquals(0f, g.q()[at], "dq of empty row " + i);
                    }
                }
            }
            assertAllFinite("out", f.out());
            assertAllFinite("dq", g.q());
            assertAllFinite("dk", g.k());
            assertAllFinite("dv", g.v());
        }
    }

    @Test
    void decodingStepsMatchTheRowsOfAFullCausalPass() {
        AttentionSpec full = AttentionSpec.of(1, 41, 41, 4, 2, 64).withCausal(true);
        Operands prefill = Operands.random(full, Mask.NONE, 11);
        Operands.Forward all = prefill.forward();
        for (int first : new int[] {40, 38, 30}) {
            int seqQ = full.seqQ() - first;
            AttentionSpec step = AttentionSpec.of(1, seqQ, 41, 4, 2, 64).withCausal(true).withQueryOffset(first);
            int rowFloats = full.numHeads() * full.headDim();
            float[] q = Arrays.copyOfRange(prefill.q, first * rowFloats, full.seqQ() * rowFloats);
            float[] out = new float[q.length];
            float[] lse = new float[full.numHeads() * seqQ];
            FlashAttention.forward(step, q, 0, prefill.k, 0, prefill.v, 0, null, 0, out, 0, lse, 0);
            double[] expected = Operands.toDouble(Arrays.copyOfRange(all.out(), first * rowFloats,
                    full.seqQ() * rowFloats));
            assertClose("out of queries " + first + ".." + full.seqQ(), expected, out, FORWARD_TOLERANCE);
        }
    }

    @Test
    void theReferenceGradientsMatchFiniteDifferences() {
        AttentionSpec spec = AttentionSpec.of(1, 3, 4, 2, 1, 3).withCausal(true).withQueryOffset(1);
        Operands x = Operands.random(spec, Mask.RANDOM, 5);
        double[] q = Operands.toDouble(x.q);
        double[] k = Operands.toDouble(x.k);
        double[] v = Operands.toDouble(x.v);
        double[] mask = Operands.toDouble(x.mask);
        double[] outGrad = Operands.toDouble(x.outGrad);
        AttentionReference.Gradients analytic = AttentionReference.backward(spec, q, k, v, mask, outGrad);
        assertMatchesFiniteDifferences("dq", analytic.q(), q, () -> loss(spec, q, k, v, mask, outGrad));
        assertMatchesFiniteDifferences("dk", analytic.k(), k, () -> loss(spec, q, k, v, mask, outGrad));
        assertMatchesFiniteDifferences("dv", analytic.v(), v, () -> loss(spec, q, k, v, mask, outGrad));
    }

    /** sum(outGrad * O): its gradient is what backward computes. */
    private static double loss(AttentionSpec spec, double[] q, double[] k, double[] v, double[] mask,
                               double[] outGrad) {
        double[] out = AttentionReference.forward(spec, q, k, v, mask).out();
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += outGrad[i] * out[i];
        }
        return sum;
    }

    /** Central differences of {@code loss} in each element of {@code input}, perturbed in place. */
    private static void assertMatchesFiniteDifferences(String what, double[] analytic, double[] input,
                                                       DoubleSupplier loss) {
        double h = 1e-5;
        for (int i = 0; i < input.length; i++) {
            double saved = input[i];
            input[i] = saved + h;
            double up = loss.getAsDouble();
            input[i] = saved - h;
            double down = loss.getAsDouble();
            input[i] = saved;
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, analytic[i], 1e-7 + 1e-6 * Math.abs(numeric), what + "[" + i + "]");
        }
    }

    @Test
    void anySplitOfTheWorkGivesBitIdenticalResults() {
        // 12 (batch, head) pairs and 4 (batch, kv head) pairs: prefill tiles and decoding rows,
        // where a split may cut through the heads that the decoding path runs together.
        for (AttentionSpec spec : new AttentionSpec[] {
                AttentionSpec.of(2, 37, 45, 6, 2, 40).withCausal(true).withQueryOffset(8),
                AttentionSpec.of(2, 1, 45, 6, 2, 40).withCausal(true).withQueryOffset(44),
                AttentionSpec.of(2, 3, 45, 6, 2, 33).withCausal(true).withQueryOffset(42)}) {
            Operands x = Operands.random(spec, Mask.RANDOM, 13);
            Operands.Forward whole = x.forward();
            Operands.Gradients wholeGrads = x.backward(whole);
            assertEquals(12, FlashAttention.forwardWorkItems(spec));
            assertEquals(4, FlashAttention.backwardWorkItems(spec));
            for (int[] bounds : new int[][] {{0, 1, 2, 12}, {0, 5, 5, 11, 12}, {0, 3, 6, 9, 12}, {0, 7, 12}}) {
                Operands.Forward split = x.forward(bounds, new AttentionScratch());
                assertArrayEquals(whole.out(), split.out(), spec + ": out split at " + Arrays.toString(bounds));
                assertArrayEquals(whole.lse(), split.lse(), spec + ": lse split at " + Arrays.toString(bounds));
            }
            for (int[] bounds : new int[][] {{0, 1, 4}, {0, 1, 2, 3, 4}, {0, 0, 3, 4}}) {
                Operands.Gradients split = x.backward(whole, bounds, new AttentionScratch());
                assertArrayEquals(wholeGrads.q(), split.q(), spec + ": dq split at " + Arrays.toString(bounds));
                assertArrayEquals(wholeGrads.k(), split.k(), spec + ": dk split at " + Arrays.toString(bounds));
                assertArrayEquals(wholeGrads.v(), split.v(), spec + ": dv split at " + Arrays.toString(bounds));
            }
        }
    }

    @Test
    void threadsSharingTheOutputArraysGiveBitIdenticalResults() throws Exception {
        AttentionSpec spec = AttentionSpec.of(2, 33, 33, 4, 2, 24).withCausal(true);
        Operands x = Operands.random(spec, Mask.NONE, 17);
        Operands.Forward expected = x.forward();
        Operands.Gradients expectedGrads = x.backward(expected);
        float[] out = new float[(int) spec.queryElements()];
        float[] lse = new float[(int) spec.lseElements()];
        float[] dq = new float[(int) spec.queryElements()];
        float[] dk = new float[(int) spec.keyElements()];
        float[] dv = new float[(int) spec.keyElements()];
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            runEachItem(pool, FlashAttention.forwardWorkItems(spec), (item, scratch) ->
                    FlashAttention.forward(spec, x.q, 0, x.k, 0, x.v, 0, null, 0, out, 0, lse, 0,
                            item, item + 1, scratch));
            runEachItem(pool, FlashAttention.backwardWorkItems(spec), (item, scratch) ->
                    FlashAttention.backward(spec, x.q, 0, x.k, 0, x.v, 0, null, 0, out, 0, x.outGrad, 0,
                            lse, 0, dq, 0, dk, 0, dv, 0, item, item + 1, scratch));
        } finally {
            pool.shutdown();
        }
        assertArrayEquals(expected.out(), out);
        assertArrayEquals(expected.lse(), lse);
        assertArrayEquals(expectedGrads.q(), dq);
        assertArrayEquals(expectedGrads.k(), dk);
        assertArrayEquals(expectedGrads.v(), dv);
    }

    private interface WorkItem {
        void run(int item, AttentionScratch scratch);
    }

    private static void runEachItem(ExecutorService pool, int items, WorkItem work) throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        for (int item = 0; item < items; item++) {
            int it = item;
            futures.add(pool.submit(() -> work.run(it, new AttentionScratch())));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    @Test
    void oneScratchServesCallsOfDifferentShapes() {
        AttentionScratch shared = new AttentionScratch();
        for (AttentionSpec spec : new AttentionSpec[] {
                AttentionSpec.of(1, 19, 19, 2, 1, 80).withCausal(true),
                AttentionSpec.of(1, 19, 19, 2, 1, 7).withCausal(true),
                AttentionSpec.of(1, 2, 30, 2, 2, 128).withCausal(true).withQueryOffset(28),
                AttentionSpec.of(1, 19, 19, 2, 1, 33)}) {
            Operands x = Operands.random(spec, Mask.RANDOM, spec.headDim());
            int[] all = {0, FlashAttention.forwardWorkItems(spec)};
            Operands.Forward fresh = x.forward();
            Operands.Forward reused = x.forward(all, shared);
            assertArrayEquals(fresh.out(), reused.out(), spec.toString());
            assertArrayEquals(fresh.lse(), reused.lse(), spec.toString());
            int[] kvAll = {0, FlashAttention.backwardWorkItems(spec)};
            Operands.Gradients freshGrads = x.backward(fresh);
            Operands.Gradients reusedGrads = x.backward(fresh, kvAll, shared);
            assertArrayEquals(freshGrads.q(), reusedGrads.q(), spec.toString());
            assertArrayEquals(freshGrads.k(), reusedGrads.k(), spec.toString());
            assertArrayEquals(freshGrads.v(), reusedGrads.v(), spec.toString());
        }
    }

    @Test
    void decodingOverABf16CacheGivesTheBitsOfItsWidenedValues() {
        for (AttentionSpec spec : new AttentionSpec[] {
                AttentionSpec.of(2, 1, 150, 8, 2, 33).withCausal(true).withQueryOffset(149),
                AttentionSpec.of(1, 3, 70, 4, 4, 64).withCausal(true).withQueryOffset(67),
                AttentionSpec.of(1, 1, 9, 2, 1, 16)}) {
            Operands x = Operands.random(spec, Mask.RANDOM, 29);
            short[] k = toBf16(x.k);
            short[] v = toBf16(x.v);
            float[] kWide = widen(k);
            float[] vWide = widen(v);
            int items = FlashAttention.forwardWorkItems(spec);
            float[] want = new float[(int) spec.queryElements()];
            float[] wantLse = new float[(int) spec.lseElements()];
            FlashAttention.forward(spec, x.q, 0, kWide, 0, vWide, 0, x.mask, 0, want, 0, wantLse, 0,
                    0, items, new AttentionScratch());
            float[] got = new float[want.length];
            float[] gotLse = new float[wantLse.length];
            AttentionScratch scratch = new AttentionScratch();
            for (int item = 0; item < items; item++) { // item by item: the split must not matter either
                FlashAttention.forwardOverBf16Cache(spec, x.q, 0, k, 0, v, 0, x.mask, 0, got, 0, gotLse, 0,
                        item, item + 1, scratch);
            }
            assertArrayEquals(want, got, spec.toString());
            assertArrayEquals(wantLse, gotLse, spec.toString());
        }
        AttentionSpec prompt = AttentionSpec.of(1, AttentionMath.L, AttentionMath.L, 1, 1, 8).withCausal(true);
        Operands x = Operands.random(prompt, Mask.NONE, 31);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlashAttention.forwardOverBf16Cache(prompt, x.q, 0, toBf16(x.k), 0, toBf16(x.v), 0, null, 0,
                        new float[x.q.length], 0, null, 0, 0, 1, new AttentionScratch()));
        assertTrue(e.getMessage().contains("a bf16 KV cache is read by decoding calls"), e.getMessage());
    }

    private static short[] toBf16(float[] x) {
        short[] h = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            h[i] = Conversions.floatToBf16(x[i]);
        }
        return h;
    }

    private static float[] widen(short[] h) {
        float[] x = new float[h.length];
        for (int i = 0; i < h.length; i++) {
            x[i] = Conversions.bf16ToFloat(h[i]);
        }
        return x;
    }

    @Test
    void forwardWithoutLseWritesTheSameOutput() {
        AttentionSpec spec = AttentionSpec.of(1, 21, 21, 2, 1, 16).withCausal(true);
        Operands x = Operands.random(spec, Mask.NONE, 19);
        float[] out = new float[(int) spec.queryElements()];
        FlashAttention.forward(spec, x.q, 0, x.k, 0, x.v, 0, null, 0, out, 0, null, 0);
        assertArrayEquals(x.forward().out(), out);
    }

    /**
     * Random attention operands for the tests, and the helpers that run {@link FlashAttention} on
     * them with the tensors placed at odd offsets inside larger arrays, so that a kernel reading or
     * writing outside its tensor shows up.
     */
    static final class Operands {

        /** What kind of additive mask to make. */
        enum Mask {
            NONE,
            /** Random values in [-2, 2], about one in six -inf. */
            RANDOM,
            /** Like RANDOM, plus every fifth query row of each batch entirely -inf. */
            WITH_EMPTY_ROWS
        }

        /** Floats around each input tensor: NaN, which would poison any result that read them. */
        private static final float OUTSIDE_INPUT = Float.NaN;
        /** Floats around each output tensor, which must still be there afterwards. */
        private static final float OUTSIDE_OUTPUT = 12345f;
        private static final int PAD = 37;

        final AttentionSpec spec;
        final float[] q, k, v, mask, outGrad;

        private Operands(AttentionSpec spec, float[] q, float[] k, float[] v, float[] mask, float[] outGrad) {
            this.spec = spec;
            this.q = q;
            this.k = k;
            this.v = v;
            this.mask = mask;
            this.outGrad = outGrad;
        }

        static Operands random(AttentionSpec spec, Mask maskKind, long seed) {
            return random(spec, maskKind, seed, 1f);
        }

        /** Q and K uniform in [-magnitude, magnitude]; V and dO in [-1, 1]. */
        static Operands random(AttentionSpec spec, Mask maskKind, long seed, float magnitude) {
            SplittableRandom random = new SplittableRandom(seed);
            float[] q = uniform(random, (int) spec.queryElements(), magnitude);
            float[] k = uniform(random, (int) spec.keyElements(), magnitude);
            float[] v = uniform(random, (int) spec.keyElements(), 1f);
            float[] outGrad = uniform(random, (int) spec.queryElements(), 1f);
            return new Operands(spec, q, k, v, mask(spec, maskKind, random), outGrad);
        }

        private static float[] mask(AttentionSpec spec, Mask kind, SplittableRandom random) {
            if (kind == Mask.NONE) {
                return null;
            }
            float[] mask = new float[(int) spec.maskElements()];
            for (int at = 0; at < mask.length; at++) {
                mask[at] = random.nextInt(6) == 0 ? Float.NEGATIVE_INFINITY : (float) random.nextDouble(-2, 2);
            }
            if (kind == Mask.WITH_EMPTY_ROWS) {
                for (int b = 0; b < spec.batch(); b++) {
                    for (int i = 0; i < spec.seqQ(); i += 5) {
                        int row = (b * spec.seqQ() + i) * spec.seqK();
                        Arrays.fill(mask, row, row + spec.seqK(), Float.NEGATIVE_INFINITY);
                    }
                }
            }
            return mask;
        }

        /** O and LSE from {@link FlashAttention#forward}, all in one range on one thread. */
        record Forward(float[] out, float[] lse) {}

        /** dQ, dK and dV from {@link FlashAttention#backward}. */
        record Gradients(float[] q, float[] k, float[] v) {}

        Forward forward() {
            return forward(new int[] {0, FlashAttention.forwardWorkItems(spec)}, new AttentionScratch());
        }

        /** The forward pass run as consecutive ranges split at {@code bounds}, one scratch for all. */
        Forward forward(int[] bounds, AttentionScratch scratch) {
            Placed q = placeInput(this.q, 1);
            Placed k = placeInput(this.k, 2);
            Placed v = placeInput(this.v, 3);
            Placed mask = this.mask == null ? null : placeInput(this.mask, 4);
            Placed out = placeOutput((int) spec.queryElements(), 5);
            Placed lse = placeOutput((int) spec.lseElements(), 6);
            for (int r = 0; r + 1 < bounds.length; r++) {
                FlashAttention.forward(spec, q.array, q.offset, k.array, k.offset, v.array, v.offset,
                        mask == null ? null : mask.array, mask == null ? 0 : mask.offset,
                        out.array, out.offset, lse.array, lse.offset, bounds[r], bounds[r + 1], scratch);
            }
            return new Forward(out.extractOutput("out"), lse.extractOutput("lse"));
        }

        Gradients backward(Forward forward) {
            return backward(forward, new int[] {0, FlashAttention.backwardWorkItems(spec)}, new AttentionScratch());
        }

        /** The backward pass run as consecutive ranges split at {@code bounds}, one scratch for all. */
        Gradients backward(Forward forward, int[] bounds, AttentionScratch scratch) {
            Placed q = placeInput(this.q, 7);
            Placed k = placeInput(this.k, 8);
            Placed v = placeInput(this.v, 9);
            Placed mask = this.mask == null ? null : placeInput(this.mask, 10);
            Placed out = placeInput(forward.out(), 11);
            Placed outGrad = placeInput(this.outGrad, 12);
            Placed lse = placeInput(forward.lse(), 13);
            Placed dq = placeOutput((int) spec.queryElements(), 14);
            Placed dk = placeOutput((int) spec.keyElements(), 15);
            Placed dv = placeOutput((int) spec.keyElements(), 16);
            for (int r = 0; r + 1 < bounds.length; r++) {
                FlashAttention.backward(spec, q.array, q.offset, k.array, k.offset, v.array, v.offset,
                        mask == null ? null : mask.array, mask == null ? 0 : mask.offset,
                        out.array, out.offset, outGrad.array, outGrad.offset, lse.array, lse.offset,
                        dq.array, dq.offset, dk.array, dk.offset, dv.array, dv.offset,
                        bounds[r], bounds[r + 1], scratch);
            }
            return new Gradients(dq.extractOutput("dq"), dk.extractOutput("dk"), dv.extractOutput("dv"));
        }

        AttentionReference.Forward referenceForward() {
            return AttentionReference.forward(spec, toDouble(q), toDouble(k), toDouble(v), toDouble(mask));
        }

        AttentionReference.Gradients referenceBackward() {
            return AttentionReference.backward(spec, toDouble(q), toDouble(k), toDouble(v), toDouble(mask),
                    toDouble(outGrad));
        }

        /** A tensor inside a larger array: {@code PAD + salt} floats before it and PAD after. */
        private record Placed(float[] array, int offset, int length) {

            float[] extractOutput(String name) {
                for (int at = 0; at < array.length; at++) {
                    if ((at < offset || at >= offset + length) && array[at] != OUTSIDE_OUTPUT) {
                        fail(name + ": element " + at + " outside the tensor [" + offset + ", " + (offset + length)
                                + ") was overwritten with " + array[at]);
                    }
                }
                return Arrays.copyOfRange(array, offset, offset + length);
            }
        }

        private static Placed placeInput(float[] tensor, int salt) {
            return place(tensor, tensor.length, salt, OUTSIDE_INPUT);
        }

        private static Placed placeOutput(int length, int salt) {
            Placed placed = place(null, length, salt, OUTSIDE_OUTPUT);
            // Outputs start as garbage too: the kernels must overwrite, not accumulate.
            Arrays.fill(placed.array, placed.offset, placed.offset + length, Float.NaN);
            return placed;
        }

        private static Placed place(float[] tensor, int length, int salt, float outside) {
            int offset = PAD + salt;
            float[] array = new float[offset + length + PAD];
            Arrays.fill(array, outside);
            if (tensor != null) {
                System.arraycopy(tensor, 0, array, offset, length);
            }
            return new Placed(array, offset, length);
        }

        static float[] uniform(SplittableRandom random, int n, float magnitude) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) random.nextDouble(-magnitude, magnitude);
            }
            return x;
        }

        static double[] toDouble(float[] x) {
            if (x == null) {
                return null;
            }
            double[] d = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                d[i] = x[i];
            }
            return d;
        }

        /**
         * Each element within {@code tolerance} times the largest magnitude in {@code expected}; -inf
         * must be matched exactly, and nothing may be NaN.
         */
        static void assertClose(String what, double[] expected, float[] actual, double tolerance) {
            assertEquals(expected.length, actual.length, what + ": length");
            double largest = 0;
            for (double e : expected) {
                if (Double.isFinite(e)) {
                    largest = Math.max(largest, Math.abs(e));
                }
            }
            // A floor for tensors that are all but zero (one key: its gradients are rounding noise).
        double allowed = tolerance * Math.max(largest, 1e-3);
            for (int i = 0; i < expected.length; i++) {
                assertFalse(Float.isNaN(actual[i]), () -> what + ": NaN");
                if (Double.isInfinite(expected[i])) {
                    assertEquals(expected[i], actual[i], what + "[" + i + "]");
                    continue;
                }
                double error = Math.abs(actual[i] - expected[i]);
                if (!(error <= allowed)) {
                    fail(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i] + ": error " + error
                            + " exceeds " + allowed + " (" + tolerance + " of the largest, " + largest + ")");
                }
            }
        }

        static void assertAllFinite(String what, float[] x) {
            for (int i = 0; i < x.length; i++) {
                int at = i;
                assertTrue(Float.isFinite(x[i]), () -> what + "[" + at + "] = " + x[at]);
            }
        }
    }
}
