package dev.kiln.hal.tck.reference;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.tck.reference.math.AdamW;
import dev.kiln.hal.tck.reference.math.Attention;
import dev.kiln.hal.tck.reference.math.Blas;
import dev.kiln.hal.tck.reference.math.CrossEntropy;
import dev.kiln.hal.tck.reference.math.Dropout;
import dev.kiln.hal.tck.reference.math.Embedding;
import dev.kiln.hal.tck.reference.math.Normalization;
import dev.kiln.hal.tck.reference.math.Pointwise;
import dev.kiln.hal.tck.reference.math.Reductions;
import dev.kiln.hal.tck.reference.math.Rotary;
import dev.kiln.hal.tck.reference.math.Softmax;
import java.util.Arrays;

/**
 * The reference kernels: each call reads its operands into double arrays, computes the textbook
 * formula in double precision, and stores the results rounded (to nearest even) to the output
 * buffers' dtypes. Because every input is read before any output is written, any aliasing
 * works. Operands of another device, released ones and ones too small for the sizes given are
 * rejected before anything is written. Floating-point operands may be of any floating dtype,
 * ids of any integer dtype.
 *
 * <p>Where the {@link Kernels} javadoc leaves a choice, this is what the HAL means:
 * <ul>
 *   <li><b>gemm</b>: a product with k = 0 gives {@code beta C}; with beta 0 it writes zeros.
 *       Elements of C between n and ldc are not touched. Batch strides must not be negative.
 *   <li><b>activation</b>: SILU {@code x sigmoid(x)}; GELU_ERF {@code 0.5 x (1 + erf(x/sqrt 2))};
 *       GELU_TANH {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))} (Hugging Face's
 *       "gelu_new"); RELU {@code max(x, 0)}, with derivative 0 at 0.
 *   <li><b>rmsNorm</b>: {@code rstd = 1 / sqrt(mean(x^2) + eps)}, {@code out = x rstd weight};
 *       <b>layerNorm</b>: the biased variance, {@code rstd = 1 / sqrt(var + eps)},
 *       {@code out = (x - mean) rstd weight + bias}. The backwards use the saved mean and rstd.
 *   <li><b>rope</b>: see {@link #ropeInverseFrequencies(RopeSpec)}. Pair (x1, x2) turns by
 *       {@code position × frequency}: {@code (x1 cos - x2 sin, x2 cos + x1 sin)}; pairs are
 *       (i, i + rotaryDim/2) for rotate-half and (2i, 2i+1) when interleaved; dims from rotaryDim
 *       to headDim are left as they are. {@code inverse} turns by the negative angle.
 *   <li><b>softmax</b>: a row that is -infinity throughout gives zeros.
 *   <li><b>attention</b>: score {@code s_j = scale q·k_j + mask[b, i, j]} over keys
 *       {@code j < seqK} (and {@code j <= queryOffset + i} when causal); the saved lse is the
 *       natural log of {@code sum exp s_j}, in the units of the scaled scores. A query whose
 *       scores are all -infinity gets out 0 and lse -infinity. K and V positions from seqK on
 *       are never read. The backward derives the probabilities from the saved lse and uses the
 *       saved out ({@code dOut·out}); it overwrites dq and dk, dv at positions below seqK, sums
 *       over the query heads sharing a kv head, and leaves dk, dv from seqK on untouched.
 *   <li><b>embedding</b>: an id outside {@code [0, vocab)} is an error.
 *   <li><b>crossEntropy</b>: on rows whose target is ignoreIndex the loss and the lse are 0 and
 *       the backward writes 0; a target outside the vocabulary that is not ignored is an error.
 *   <li><b>reduce</b>: MAX propagates NaN.
 *   <li><b>convert</b>: round to nearest even; to an integer dtype it rounds half to even and
 *       saturates, NaN becomes 0.
 *   <li><b>dropout</b>: element i (counted from the slice's start) is kept when
 *       {@link #dropoutKeep(long, long, float)}, and becomes {@code x / (1 - p)}; otherwise 0.
 *       p must be in [0, 1]; p 1 drops everything.
 *   <li><b>adamW</b>: exactly torch.optim.AdamW: {@code p -= lr wd p} first, then
 *       {@code m = beta1 m + (1 - beta1) g}, {@code v = beta2 v + (1 - beta2) g^2},
 *       {@code p -= lr (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps)}.
 * </ul>
 */
public final class ReferenceKernels implements Kernels {

    private final ReferenceDevice device;

    ReferenceKernels(ReferenceDevice device) {
        this.device = device;
    }

    /**
     * The dropout mask: whether element {@code index} of a dropout call with {@code seed} survives
     * probability {@code p}. Every backend must compute exactly this. It is SplitMix64 (the
     * generator of java.util.SplittableRandom) in 64-bit wrap-around arithmetic with unsigned
     * shifts:
     * <pre>
     * mix64(z):  z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9
     *            z = (z ^ (z >>> 27)) * 0x94D049BB133111EB
     *            return z ^ (z >>> 31)
     * bits = mix64(mix64(seed) + (index + 1) * 0x9E3779B97F4A7C15)
     * u    = (float) (bits >>> 40) * 2^-24        // exact, in [0, 1)
     * keep = u >= p                                // compared in float
     * </pre>
     */
    public static boolean dropoutKeep(long seed, long index, float p) {
        return Dropout.keep(seed, index, p);
    }

    /**
     * The inverse frequencies of the {@code rotaryDim / 2} rotating pairs, in double, as Hugging
     * Face transformers computes {@code inv_freq}: {@code theta^(-2i / rotaryDim)}, then by
     * rope_scaling type: "none" (or "default") unchanged; "linear" divided by factor; "llama3"
     * by wavelength {@code w = 2 pi / f}: kept where {@code w < originalMax / highFreqFactor},
     * divided by factor where {@code w > originalMax / lowFreqFactor}, and in between
     * {@code (1 - s) f / factor + s f} with {@code s = (originalMax / w - lowFreqFactor) /
     * (highFreqFactor - lowFreqFactor)}. Other types are rejected.
     */
    public static double[] ropeInverseFrequencies(RopeSpec spec) {
        return Rotary.inverseFrequencies(spec);
    }

    // ---- linear algebra -------------------------------------------------------------------

    @Override
    public void gemm(Gemm shape, Slice a, Slice b, Slice c) {
        Op op = new Op("gemm");
        double[] as = op.read("A", a, Blas.extentA(shape));
        double[] bs = op.read("B", b, Blas.extentB(shape));
        double[] cs = op.read("C", c, Blas.extentC(shape));
        Blas.gemm(shape, as, bs, cs);
        op.write("C", c, cs);
    }

    // ---- elementwise ----------------------------------------------------------------------

    @Override
    public void binary(BinaryOp kind, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        Op op = new Op("binary " + kind);
        long n = (long) rows * cols;
        double[] as = op.read("a", a, n);
        double[] bs = op.read("b", b, broadcastB ? cols : n);
        Output result = op.output("out", out, n);
        result.write(Pointwise.binary(kind, as, bs, rows, cols, broadcastB));
    }

    @Override
    public void scale(Slice x, Slice out, long n, float alpha) {
        Op op = new Op("scale");
        double[] xs = op.read("x", x, n);
        Output result = op.output("out", out, n);
        double[] scaled = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            scaled[i] = alpha * xs[i];
        }
        result.write(scaled);
    }

    @Override
    public void axpy(float alpha, Slice x, Slice y, long n) {
        Op op = new Op("axpy");
        double[] xs = op.read("x", x, n);
        double[] ys = op.read("y", y, n);
        for (int i = 0; i < ys.length; i++) {
            ys[i] += alpha * xs[i];
        }
        op.write("y", y, ys);
    }

    @Override
    public void fill(Slice out, long n, float value) {
        Output result = new Op("fill").output("out", out, n);
        double[] values = new double[(int) n];
        Arrays.fill(values, value);
        result.write(values);
    }

    @Override
    public void activation(Activation act, Slice x, Slice out, long n) {
        Op op = new Op("activation " + act);
        double[] xs = op.read("x", x, n);
        Output result = op.output("out", out, n);
        double[] values = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            values[i] = Pointwise.activation(act, xs[i]);
        }
        result.write(values);
    }

    @Override
    public void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n) {
        Op op = new Op("activationBackward " + act);
        double[] xs = op.read("x", x, n);
        double[] dOuts = op.read("dOut", dOut, n);
        Output result = op.output("dx", dx, n);
        double[] values = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            values[i] = Pointwise.activationDerivative(act, xs[i]) * dOuts[i];
        }
        result.write(values);
    }

    @Override
    public void swiglu(Slice gate, Slice up, Slice out, long n) {
        Op op = new Op("swiglu");
        double[] gates = op.read("gate", gate, n);
        double[] ups = op.read("up", up, n);
        Output result = op.output("out", out, n);
        double[] values = new double[gates.length];
        for (int i = 0; i < gates.length; i++) {
            values[i] = Pointwise.activation(Activation.SILU, gates[i]) * ups[i];
        }
        result.write(values);
    }

    @Override
    public void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n) {
        Op op = new Op("swigluBackward");
        double[] gates = op.read("gate", gate, n);
        double[] ups = op.read("up", up, n);
        double[] dOuts = op.read("dOut", dOut, n);
        Output gateResult = op.output("dGate", dGate, n);
        Output upResult = op.output("dUp", dUp, n);
        double[] dGates = new double[gates.length];
        double[] dUps = new double[gates.length];
        for (int i = 0; i < gates.length; i++) {
            dGates[i] = dOuts[i] * ups[i] * Pointwise.activationDerivative(Activation.SILU, gates[i]);
            dUps[i] = dOuts[i] * Pointwise.activation(Activation.SILU, gates[i]);
        }
        gateResult.write(dGates);
        upResult.write(dUps);
    }

    // ---- normalization --------------------------------------------------------------------

    @Override
    public void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        Op op = new Op("rmsNorm");
        double[] xs = op.read("x", x, (long) rows * dim);
        double[] weights = op.read("weight", weight, dim);
        Output outResult = op.output("out", out, (long) rows * dim);
        Output rstdResult = op.output("rstd", rstd, rows);
        Normalization.RmsNormed normed = Normalization.rmsNorm(xs, weights, rows, dim, eps);
        outResult.write(normed.out());
        rstdResult.write(normed.rstd());
    }

    @Override
    public void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight,
            int rows, int dim) {
        Op op = new Op("rmsNormBackward");
        double[] xs = op.read("x", x, (long) rows * dim);
        double[] weights = op.read("weight", weight, dim);
        double[] rstds = op.read("rstd", rstd, rows);
        double[] dOuts = op.read("dOut", dOut, (long) rows * dim);
        double[] dWeights = op.read("dWeight", dWeight, dim);
        Output dxResult = op.output("dx", dx, (long) rows * dim);
        dxResult.write(Normalization.rmsNormBackward(xs, weights, rstds, dOuts, dWeights, rows, dim));
        op.write("dWeight", dWeight, dWeights);
    }

    @Override
    public void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd,
            int rows, int dim, float eps) {
        Op op = new Op("layerNorm");
        double[] xs = op.read("x", x, (long) rows * dim);
        double[] weights = op.read("weight", weight, dim);
        double[] biases = op.read("bias", bias, dim);
        Output outResult = op.output("out", out, (long) rows * dim);
        Output meanResult = op.output("mean", mean, rows);
        Output rstdResult = op.output("rstd", rstd, rows);
        Normalization.LayerNormed normed = Normalization.layerNorm(xs, weights, biases, rows, dim, eps);
        outResult.write(normed.out());
        meanResult.write(normed.mean());
        rstdResult.write(normed.rstd());
    }

    @Override
    public void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx,
            Slice dWeight, Slice dBias, int rows, int dim) {
        Op op = new Op("layerNormBackward");
        double[] xs = op.read("x", x, (long) rows * dim);
        double[] weights = op.read("weight", weight, dim);
        double[] means = op.read("mean", mean, rows);
        double[] rstds = op.read("rstd", rstd, rows);
        double[] dOuts = op.read("dOut", dOut, (long) rows * dim);
        double[] dWeights = op.read("dWeight", dWeight, dim);
        double[] dBiases = op.read("dBias", dBias, dim);
        Output dxResult = op.output("dx", dx, (long) rows * dim);
        dxResult.write(Normalization.layerNormBackward(xs, weights, means, rstds, dOuts, dWeights, dBiases,
                rows, dim));
        op.write("dWeight", dWeight, dWeights);
        op.write("dBias", dBias, dBiases);
    }

    // ---- positions, softmax, attention ----------------------------------------------------

    @Override
    public void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        Op op = new Op("rope");
        double[] xs = op.read("x", x, (long) tokens * heads * spec.headDim());
        int[] positionValues = op.readIds("positions", positions, tokens);
        Rotary.rotate(spec, xs, positionValues, tokens, heads, inverse);
        op.write("x", x, xs);
    }

    @Override
    public void softmax(Slice x, Slice out, int rows, int cols) {
        Op op = new Op("softmax");
        double[] xs = op.read("x", x, (long) rows * cols);
        Output result = op.output("out", out, (long) rows * cols);
        result.write(Softmax.softmax(xs, rows, cols));
    }

    @Override
    public void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
        Op op = new Op("softmaxBackward");
        double[] outs = op.read("out", out, (long) rows * cols);
        double[] dOuts = op.read("dOut", dOut, (long) rows * cols);
        Output result = op.output("dx", dx, (long) rows * cols);
        result.write(Softmax.softmaxBackward(outs, dOuts, rows, cols));
    }

    @Override
    public void attention(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        Op op = new Op("attention");
        double[] qs = op.read("q", q, shape.queryElements());
        double[] ks = op.read("k", k, shape.keyElements());
        double[] vs = op.read("v", v, shape.keyElements());
        double[] masks = mask == null ? null : op.read("mask", mask, maskElements(shape));
        Output outResult = op.output("out", out, shape.queryElements());
        Output lseResult = op.output("lse", lse, shape.lseElements());
        Attention.Output result = Attention.forward(shape, qs, ks, vs, masks);
        outResult.write(result.out());
        lseResult.write(result.lse());
    }

    @Override
    public void attentionBackward(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out,
            Slice lse, Slice dOut, Slice dq, Slice dk, Slice dv) {
        Op op = new Op("attentionBackward");
        double[] qs = op.read("q", q, shape.queryElements());
        double[] ks = op.read("k", k, shape.keyElements());
        double[] vs = op.read("v", v, shape.keyElements());
        double[] masks = mask == null ? null : op.read("mask", mask, maskElements(shape));
        double[] outs = op.read("out", out, shape.queryElements());
        double[] lses = op.read("lse", lse, shape.lseElements());
        double[] dOuts = op.read("dOut", dOut, shape.queryElements());
        Output dqResult = op.output("dq", dq, shape.queryElements());
        // dk and dv keep what they hold at positions seqK..kvCapacity-1: read them to write back.
        double[] dks = op.read("dk", dk, shape.keyElements());
        double[] dvs = op.read("dv", dv, shape.keyElements());
        Attention.Gradients grads = Attention.backward(shape, qs, ks, vs, masks, outs, lses, dOuts);
        int usedKeys = shape.seqK() * shape.kvHeads() * shape.headDim();
        int cacheRow = shape.kvCapacity() * shape.kvHeads() * shape.headDim();
        for (int b = 0; b < shape.batch(); b++) {
            System.arraycopy(grads.dk(), b * cacheRow, dks, b * cacheRow, usedKeys);
            System.arraycopy(grads.dv(), b * cacheRow, dvs, b * cacheRow, usedKeys);
        }
        dqResult.write(grads.dq());
        op.write("dk", dk, dks);
        op.write("dv", dv, dvs);
    }

    private static long maskElements(AttentionShape shape) {
        return (long) shape.batch() * shape.seqQ() * shape.seqK();
    }

    // ---- embedding and loss ---------------------------------------------------------------

    @Override
    public void embedding(Slice table, Slice ids, Slice out, int count, int dim, int vocab) {
        Op op = new Op("embedding");
        double[] tables = op.read("table", table, (long) vocab * dim);
        int[] idValues = op.readIds("ids", ids, count);
        Output result = op.output("out", out, (long) count * dim);
        result.write(Embedding.gather(tables, idValues, count, dim, vocab));
    }

    @Override
    public void embeddingBackward(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab) {
        Op op = new Op("embeddingBackward");
        int[] idValues = op.readIds("ids", ids, count);
        double[] dOuts = op.read("dOut", dOut, (long) count * dim);
        double[] dTables = op.read("dTable", dTable, (long) vocab * dim);
        Embedding.scatterAdd(idValues, dOuts, dTables, count, dim, vocab);
        op.write("dTable", dTable, dTables);
    }

    @Override
    public void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab,
            int ignoreIndex) {
        Op op = new Op("crossEntropy");
        double[] logitValues = op.read("logits", logits, (long) rows * vocab);
        int[] targetValues = op.readIds("targets", targets, rows);
        Output lossResult = op.output("losses", losses, rows);
        Output lseResult = op.output("lse", lse, rows);
        CrossEntropy.Losses result = CrossEntropy.forward(logitValues, targetValues, rows, vocab, ignoreIndex);
        lossResult.write(result.losses());
        lseResult.write(result.lse());
    }

    @Override
    public void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows,
            int vocab, int ignoreIndex, float gradScale) {
        Op op = new Op("crossEntropyBackward");
        double[] logitValues = op.read("logits", logits, (long) rows * vocab);
        int[] targetValues = op.readIds("targets", targets, rows);
        double[] lses = op.read("lse", lse, rows);
        Output result = op.output("dLogits", dLogits, (long) rows * vocab);
        result.write(CrossEntropy.backward(logitValues, targetValues, lses, rows, vocab, ignoreIndex, gradScale));
    }

    // ---- reductions and conversions -------------------------------------------------------

    @Override
    public void reduce(Reduction kind, Slice x, Slice out, int rows, int cols) {
        Op op = new Op("reduce " + kind);
        double[] xs = op.read("x", x, (long) rows * cols);
        Output result = op.output("out", out, rows);
        result.write(Reductions.reduce(kind, xs, rows, cols));
    }

    @Override
    public double sumOfSquares(Slice x, long n) {
        return Reductions.sumOfSquares(new Op("sumOfSquares").read("x", x, n));
    }

    @Override
    public void convert(Slice src, Slice dst, long n) {
        ReferenceBuffer from = device.own(src, "convert", "src");
        ReferenceBuffer to = device.own(dst, "convert", "dst");
        src.requireRoom(n, "convert src");
        dst.requireRoom(n, "convert dst");
        boolean integers = !from.dtype().isFloatingPoint() && !to.dtype().isFloatingPoint();
        // Read everything first, so that src and dst may overlap.
        long[] exact = integers ? new long[(int) n] : null;
        double[] values = integers ? null : new double[(int) n];
        for (int i = 0; i < n; i++) {
            if (integers) {
                exact[i] = from.getLong(src.offset() + i);
            } else {
                values[i] = from.get(src.offset() + i);
            }
        }
        for (int i = 0; i < n; i++) {
            if (integers) {
                to.setLong(dst.offset() + i, exact[i]);
            } else {
                to.set(dst.offset() + i, values[i]);
            }
        }
    }

    // ---- randomness -----------------------------------------------------------------------

    @Override
    public void dropout(Slice x, Slice out, long n, float p, long seed) {
        Op op = new Op("dropout");
        double[] xs = op.read("x", x, n);
        Output result = op.output("out", out, n);
        result.write(Dropout.apply(xs, p, seed));
    }

    @Override
    public void dropoutBackward(Slice dOut, Slice dx, long n, float p, long seed) {
        Op op = new Op("dropoutBackward");
        double[] dOuts = op.read("dOut", dOut, n);
        Output result = op.output("dx", dx, n);
        result.write(Dropout.apply(dOuts, p, seed));
    }

    // ---- optimizer ------------------------------------------------------------------------

    @Override
    public void adamW(AdamWStep step, Slice param, Slice grad, Slice m, Slice v, long n) {
        Op op = new Op("adamW");
        double[] params = op.read("param", param, n);
        double[] grads = op.read("grad", grad, n);
        double[] ms = op.read("m", m, n);
        double[] vs = op.read("v", v, n);
        AdamW.step(step, params, grads, ms, vs);
        op.write("param", param, params);
        op.write("m", m, ms);
        op.write("v", v, vs);
    }

    // ---- operand access -------------------------------------------------------------------

    /** One kernel call's operand access, naming the kernel and the operand in every error. */
    private final class Op {
        private final String name;

        Op(String name) {
            this.name = name;
        }

        /** The n values of a floating-point operand. */
        double[] read(String operand, Slice slice, long n) {
            ReferenceBuffer buffer = floatingPoint(operand, slice, n);
            double[] values = new double[(int) n];
            for (int i = 0; i < values.length; i++) {
                values[i] = buffer.get(slice.offset() + i);
            }
            return values;
        }

        /** The n values of an integer operand (ids, positions, targets). */
        int[] readIds(String operand, Slice slice, long n) {
            ReferenceBuffer buffer = device.own(slice, name, operand);
            if (buffer.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(name + ": " + operand + " must hold integers, not "
                        + buffer.dtype());
            }
            slice.requireRoom(n, name + " " + operand);
            int[] values = new int[(int) n];
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.toIntExact(buffer.getLong(slice.offset() + i));
            }
            return values;
        }

        /** A checked place for n output values, to write once the results are known. */
        Output output(String operand, Slice slice, long n) {
            return new Output(floatingPoint(operand, slice, n), slice.offset(), n);
        }

        /** Writes the values back to an operand already read (in place, accumulating). */
        void write(String operand, Slice slice, double[] values) {
            output(operand, slice, values.length).write(values);
        }

        private ReferenceBuffer floatingPoint(String operand, Slice slice, long n) {
            ReferenceBuffer buffer = device.own(slice, name, operand);
            if (!buffer.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(name + ": " + operand + " must be floating point, not "
                        + buffer.dtype());
            }
            slice.requireRoom(n, name + " " + operand);
            return buffer;
        }
    }

    /** Where a kernel's results go, checked before they are computed. */
    private record Output(ReferenceBuffer buffer, long offset, long n) {
        void write(double[] values) {
            for (int i = 0; i < n; i++) {
                buffer.set(offset + i, values[i]);
            }
        }
    }
}
