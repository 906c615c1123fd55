package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.math.Attention;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * attention and attentionBackward: causal self-attention, grouped and multi-query heads,
 * non-causal cross attention, one-token decode against a KV cache with spare capacity, chunked
 * prefill with a query offset, additive masks with -infinity entries and a fully masked row (out
 * 0, lse -infinity), odd head sizes, long key ranges; the backward against finite differences;
 * determinism; the forward over a KV cache kept in bfloat16 (where the kit's options include
 * BF16). KV cache positions from seqK on hold NaN, which a kernel must not read.
 */
public final class AttentionChecks implements CheckFamily {

    private enum Mask { NONE, RANDOM_WITH_FULLY_MASKED_ROW }

    @Override
    public Stream<DynamicTest> tests(CheckContext context) {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(forward(context, AttentionShape.causalSelf(1, 7, 2, 2, 16), Mask.NONE, ""));
        tests.add(forward(context, AttentionShape.causalSelf(2, 17, 4, 1, 8), Mask.NONE, " (multi-query)"));
        tests.add(forward(context, AttentionShape.causalSelf(1, 33, 6, 2, 65), Mask.NONE, " (grouped)"));
        tests.add(forward(context, shape(2, 5, 13, 13, 4, 2, 16, 0.3f, false, 0), Mask.NONE, " (cross)"));
        tests.add(forward(context, shape(2, 1, 9, 16, 4, 2, 32, 0, true, 8), Mask.NONE, " (decode)"));
        tests.add(forward(context, shape(1, 3, 9, 12, 2, 1, 8, 0, true, 6), Mask.NONE, " (chunked prefill)"));
        tests.add(forward(context, shape(2, 5, 7, 7, 2, 1, 8, 0, false, 0), Mask.RANDOM_WITH_FULLY_MASKED_ROW, ""));
        tests.add(forward(context, shape(1, 6, 6, 6, 2, 2, 4, 0, true, 0), Mask.RANDOM_WITH_FULLY_MASKED_ROW, ""));
        tests.add(forward(context, shape(1, 65, 257, 300, 2, 1, 32, 0, true, 192), Mask.NONE, " (long)"));
        tests.add(forward(context, shape(1, 1, 1, 1, 1, 1, 1, 0, true, 0), Mask.NONE, " (smallest)"));
        tests.add(forward(context, shape(1, 3, 5, 5, 2, 2, 130, 0, false, 0), Mask.NONE, ""));
        if (context.options().floatTypes().contains(DType.BF16)) {
            // A KV cache kept in bfloat16: decoding, a chunk after a cache, masks, odd sizes.
            tests.add(forward(context, shape(2, 1, 9, 16, 4, 2, 32, 0, true, 8), Mask.NONE, DType.BF16,
                    " (decode, bf16 cache)"));
            tests.add(forward(context, shape(1, 3, 9, 12, 2, 1, 8, 0, true, 6), Mask.NONE, DType.BF16,
                    " (chunked prefill, bf16 cache)"));
            tests.add(forward(context, shape(2, 5, 7, 9, 2, 1, 8, 0, false, 0), Mask.RANDOM_WITH_FULLY_MASKED_ROW,
                    DType.BF16, " (bf16 cache)"));
            tests.add(forward(context, shape(1, 65, 257, 300, 2, 1, 33, 0, true, 192), Mask.NONE, DType.BF16,
                    " (long, bf16 cache)"));
        }

        tests.add(backward(context, AttentionShape.causalSelf(1, 7, 2, 2, 16), Mask.NONE, ""));
        tests.add(backward(context, AttentionShape.causalSelf(2, 9, 4, 2, 8), Mask.NONE, " (grouped)"));
        tests.add(backward(context, shape(1, 4, 11, 11, 4, 1, 16, 0.25f, false, 0), Mask.NONE, " (cross, multi-query)"));
        tests.add(backward(context, shape(1, 3, 9, 12, 2, 1, 8, 0, true, 6), Mask.NONE, " (chunked prefill)"));
        tests.add(backward(context, shape(2, 5, 7, 7, 2, 1, 8, 0, false, 0), Mask.RANDOM_WITH_FULLY_MASKED_ROW, ""));
        tests.add(backward(context, shape(1, 33, 130, 130, 2, 1, 32, 0, true, 97), Mask.NONE, " (long)"));

        tests.add(backwardAgainstFiniteDifferences(context, shape(1, 3, 4, 4, 2, 1, 3, 0.7f, true, 1), Mask.NONE));
        tests.add(backwardAgainstFiniteDifferences(context, shape(1, 3, 3, 3, 2, 2, 2, 0.5f, false, 0),
                Mask.RANDOM_WITH_FULLY_MASKED_ROW));
        tests.add(determinism(context, AttentionShape.causalSelf(2, 17, 4, 1, 16)));
        return tests.stream();
    }

    private static DynamicTest forward(CheckContext context, AttentionShape s, Mask mask, String note) {
        return forward(context, s, mask, DType.F32, note);
    }

    /** The forward with K and V of {@code kvType}: the expected values are those of the stored K and V. */
    private static DynamicTest forward(CheckContext context, AttentionShape s, Mask mask, DType kvType, String note) {
        return context.test("attention " + describe(s, mask) + note, trial -> {
            Inputs in = Inputs.create(trial, s, mask, kvType);
            Twin out = trial.output((int) s.queryElements());
            Twin lse = trial.output((int) s.lseElements());
            trial.run((kernels, on) -> kernels.attention(s, on.at(in.q), on.at(in.k), on.at(in.v), in.mask(on),
                    on.at(out), on.at(lse)));
            Attention.Output expected = in.forwardInDouble();
            trial.check("out", out, Tolerance.relative(Tolerances.ATTENTION).relativeTo(in.largestValue()));
            trial.check("lse", lse, Tolerance.relative(Tolerances.FUNCTIONS).relativeTo(lseSize(expected.lse())));
        });
    }

    private static DynamicTest backward(CheckContext context, AttentionShape s, Mask mask, String note) {
        return context.test("attentionBackward " + describe(s, mask) + note, trial -> {
            Inputs in = Inputs.create(trial, s, mask);
            Backward b = Backward.create(trial, in);
            trial.run(b::run);
            Attention.Gradients expected = Attention.backward(s, in.q.values(), in.k.values(), in.v.values(),
                    in.maskValues(), b.out.values(), b.lse.values(), b.dOut.values());
            trial.check("dq", b.dq, Tolerances.gradient(expected.dq()));
            trial.check("dk", b.dk, gradientOfCache(s, expected.dk()));
            trial.check("dv", b.dv, gradientOfCache(s, expected.dv()));
        });
    }

    private static DynamicTest backwardAgainstFiniteDifferences(CheckContext context, AttentionShape s, Mask mask) {
        return context.test("attentionBackward against finite differences " + describe(s, mask), trial -> {
            Inputs in = Inputs.create(trial, s, mask);
            Backward b = Backward.create(trial, in);
            trial.runOnDevice(b::run);
            double[] q = in.q.values();
            double[] k = in.k.values();
            double[] v = in.v.values();
            double[] m = in.maskValues();
            double[] r = b.dOut.values();
            double[] dq = FiniteDifferences.gradient(q, x -> FiniteDifferences.dot(r, Attention.forward(s, x, k, v, m).out()));
            double[] dk = FiniteDifferences.gradient(k, x -> FiniteDifferences.dot(r, Attention.forward(s, q, x, v, m).out()));
            double[] dv = FiniteDifferences.gradient(v, x -> FiniteDifferences.dot(r, Attention.forward(s, q, k, x, m).out()));
            trial.checkAgainst("dq", b.dq, dq, Tolerances.finiteDifferences(dq));
            trial.checkAgainst("dk", b.dk, dk, Tolerances.finiteDifferences(dk));
            trial.checkAgainst("dv", b.dv, dv, Tolerances.finiteDifferences(dv));
        });
    }

    private static DynamicTest determinism(CheckContext context, AttentionShape s) {
        return context.test("attentionBackward determinism: two runs agree bit for bit, " + describe(s, Mask.NONE),
                trial -> {
                    Inputs in = Inputs.create(trial, s, Mask.NONE);
                    Backward b = Backward.create(trial, in);
                    trial.runOnDevice(b::run);
                    double[][] first = {trial.actual(b.dq), trial.actual(b.dk), trial.actual(b.dv)};
                    trial.runOnDevice(b::run);
                    trial.checkIdentical("dq", first[0], trial.actual(b.dq));
                    trial.checkIdentical("dk", first[1], trial.actual(b.dk));
                    trial.checkIdentical("dv", first[2], trial.actual(b.dv));
                });
    }

    /** q, k, v and the optional mask, uploaded; K and V positions from seqK on hold NaN. */
    private record Inputs(AttentionShape s, Twin q, Twin k, Twin v, Twin maskTwin) {

        static Inputs create(Trial trial, AttentionShape s, Mask mask) {
            return create(trial, s, mask, DType.F32);
        }

        static Inputs create(Trial trial, AttentionShape s, Mask mask, DType kvType) {
            Random random = trial.random();
            Twin q = trial.input(RandomData.uniform(random, (int) s.queryElements(), -1, 1));
            Twin k = trial.input(kvType, cache(s, RandomData.uniform(random, (int) s.keyElements(), -1, 1)));
            Twin v = trial.input(kvType, cache(s, RandomData.uniform(random, (int) s.keyElements(), -1, 1)));
            Twin m = mask == Mask.NONE ? null : trial.input(randomMask(s, random));
            return new Inputs(s, q, k, v, m);
        }

        Slice mask(Side on) {
            return maskTwin == null ? null : on.at(maskTwin);
        }

        double[] maskValues() {
            return maskTwin == null ? null : maskTwin.values();
        }

        Attention.Output forwardInDouble() {
            return Attention.forward(s, q.values(), k.values(), v.values(), maskValues());
        }

        /** The largest |v| in the used cache positions: attention outputs are averages of v. */
        double largestValue() {
            double largest = 0;
            for (double value : v.values()) {
                if (!Double.isNaN(value)) {
                    largest = Math.max(largest, Math.abs(value));
                }
            }
            return largest;
        }

        /** NaN in cache positions seqK .. kvCapacity-1. */
        private static float[] cache(AttentionShape s, float[] values) {
            int row = s.kvHeads() * s.headDim();
            for (int b = 0; b < s.batch(); b++) {
                int from = (b * s.kvCapacity() + s.seqK()) * row;
                Arrays.fill(values, from, from + (s.kvCapacity() - s.seqK()) * row, Float.NaN);
            }
            return values;
        }

        /**
         * Random biases in [-2, 2], about one entry in five -infinity, and the first query of the
         * last batch entry masked throughout.
         */
        private static float[] randomMask(AttentionShape s, Random random) {
            float[] mask = RandomData.uniform(random, s.batch() * s.seqQ() * s.seqK(), -2, 2);
            for (int i = 0; i < mask.length; i++) {
                if (random.nextInt(5) == 0) {
                    mask[i] = Float.NEGATIVE_INFINITY;
                }
            }
            int fullyMaskedRow = (s.batch() - 1) * s.seqQ() * s.seqK();
            Arrays.fill(mask, fullyMaskedRow, fullyMaskedRow + s.seqK(), Float.NEGATIVE_INFINITY);
            return mask;
        }
    }

    /** The operands of a backward call: the saved out and lse come from the forward in double. */
    private record Backward(Inputs in, Twin out, Twin lse, Twin dOut, Twin dq, Twin dk, Twin dv) {

        static Backward create(Trial trial, Inputs in) {
            AttentionShape s = in.s();
            Attention.Output saved = in.forwardInDouble();
            Twin out = trial.input(RandomData.toFloat(saved.out()));
            Twin lse = trial.input(RandomData.toFloat(saved.lse()));
            Twin dOut = trial.input(RandomData.uniform(trial.random(), (int) s.queryElements(), -1, 1));
            return new Backward(in, out, lse, dOut, trial.output((int) s.queryElements()),
                    trial.output((int) s.keyElements()), trial.output((int) s.keyElements()));
        }

        void run(Kernels kernels, Side on) {
            kernels.attentionBackward(in.s(), on.at(in.q()), on.at(in.k()), on.at(in.v()), in.mask(on), on.at(out),
                    on.at(lse), on.at(dOut), on.at(dq), on.at(dk), on.at(dv));
        }
    }

    /** Relative to the largest gradient; cache positions from seqK on are left open. */
    private static Tolerance gradientOfCache(AttentionShape s, double[] expected) {
        double largest = RandomData.maxAbs(expected);
        double[] size = new double[expected.length];
        int row = s.kvHeads() * s.headDim();
        for (int i = 0; i < size.length; i++) {
            boolean used = (i / row) % s.kvCapacity() < s.seqK();
            size[i] = used ? largest : Double.POSITIVE_INFINITY;
        }
        return Tolerance.relative(Tolerances.GRADIENT).relativeTo(size);
    }

    /** {@code 1 + |lse|}; for an lse of -infinity 0, so that it must match exactly. */
    private static double[] lseSize(double[] lse) {
        double[] size = new double[lse.length];
        for (int i = 0; i < lse.length; i++) {
            size[i] = Double.isInfinite(lse[i]) ? 0 : 1 + Math.abs(lse[i]);
        }
        return size;
    }

    /** scale 0 stands for 1/sqrt(headDim). */
    private static AttentionShape shape(int batch, int seqQ, int seqK, int kvCapacity, int heads, int kvHeads,
            int headDim, float scale, boolean causal, int queryOffset) {
        float actualScale = scale != 0 ? scale : (float) (1 / Math.sqrt(headDim));
        return new AttentionShape(batch, seqQ, seqK, kvCapacity, heads, kvHeads, headDim, actualScale, causal,
                queryOffset);
    }

    private static String describe(AttentionShape s, Mask mask) {
        return "batch=" + s.batch() + " seqQ=" + s.seqQ() + " seqK=" + s.seqK()
                + (s.kvCapacity() != s.seqK() ? " kvCapacity=" + s.kvCapacity() : "")
                + " heads=" + s.heads() + "/" + s.kvHeads() + " headDim=" + s.headDim()
                + (s.causal() ? " causal" : "") + (s.queryOffset() != 0 ? " queryOffset=" + s.queryOffset() : "")
                + (Math.abs(s.scale() * Math.sqrt(s.headDim()) - 1) > 1e-6 ? " scale=" + s.scale() : "")
                + (mask == Mask.NONE ? "" : " masked (a row fully)");
    }
}
