package dev.kiln.hal.cpu.kernel;

/**
 * Fused scaled-dot-product attention on the CPU, forward and backward, flash style: keys are
 * visited a tile at a time with an online softmax, so memory stays a few tiles whatever the
 * sequence lengths. Supports grouped-query attention, causal masking with a query offset (the
 * KV-cache decoding path), and an optional additive mask.
 *
 * <p>Layouts and options are described by {@link AttentionSpec}. Every array comes with the
 * element offset where the tensor starts. Outputs must not overlap inputs.
 *
 * <h2>Semantics</h2>
 * For query i of head h (absolute position {@code queryOffset + i}) and key j of kv head
 * {@code h / groupSize}: {@code s_ij = scale * q_i . k_j + mask[b, i, j]}, set to -inf when causal
 * and {@code j > queryOffset + i}; {@code O_i = softmax(s_i) V} and
 * {@code LSE_i = log sum_j exp(s_ij)}. A row whose scores are all -inf gets {@code O_i = 0} and
 * {@code LSE_i = -inf}, and no gradient.
 *
 * <h2>Threads</h2>
 * The methods taking {@code [from, to)} compute a slice of independent work and can run on
 * several threads at once, each with its own {@link AttentionScratch}: forward work items are
 * (batch, head) pairs, {@code pair = batch * numHeads + head}, and each writes only its own O
 * and LSE rows; backward work items are (batch, kv head) pairs, {@code pair = batch * numKvHeads
 * + kvHead}, and each writes only its own dK and dV slices and the dQ rows of the query heads
 * that share its kv head. Every element is computed in a fixed order, so the results are
 * bit-for-bit the same however the pairs are split, and whether or not the JIT has compiled the
 * kernels yet. For example, with a scratch per thread kept in a ThreadLocal:
 *
 * <pre>{@code
 * int items = FlashAttention.forwardWorkItems(spec);
 * parallelism.forEach(blocks, block -> FlashAttention.forward(spec, q, 0, k, 0, v, 0, null, 0, out, 0, lse, 0,
 *         block * items / blocks, (block + 1) * items / blocks, scratch.get()));
 * }</pre>
 */
public final class FlashAttention {

    private FlashAttention() {}

    /** How many forward work items a call has: batch * numHeads. */
    public static int forwardWorkItems(AttentionSpec spec) {
        AttentionChecks.spec(spec);
        return Math.multiplyExact(spec.batch(), spec.numHeads());
    }

    /** How many backward work items a call has: batch * numKvHeads. */
    public static int backwardWorkItems(AttentionSpec spec) {
        AttentionChecks.spec(spec);
        return Math.multiplyExact(spec.batch(), spec.numKvHeads());
    }

    /** The whole forward pass on the calling thread, with a scratch of its own. */
    public static void forward(AttentionSpec spec, float[] q, int qOffset, float[] k, int kOffset,
                               float[] v, int vOffset, float[] mask, int maskOffset,
                               float[] out, int outOffset, float[] lse, int lseOffset) {
        forward(spec, q, qOffset, k, kOffset, v, vOffset, mask, maskOffset, out, outOffset, lse, lseOffset,
                0, forwardWorkItems(spec), new AttentionScratch());
    }

    /**
     * The forward pass for (batch, head) pairs [from, to): writes their rows of {@code out}
     * and, unless {@code lse} is null (inference needs no LSE), of {@code lse}.
     *
     * @param mask additive mask {@code [batch, seqQ, seqK]}, or null for none
     */
    public static void forward(AttentionSpec spec, float[] q, int qOffset, float[] k, int kOffset,
                               float[] v, int vOffset, float[] mask, int maskOffset,
                               float[] out, int outOffset, float[] lse, int lseOffset,
                               int from, int to, AttentionScratch scratch) {
        AttentionChecks.spec(spec);
        AttentionChecks.keyLike(spec, "k", k, kOffset);
        AttentionChecks.keyLike(spec, "v", v, vOffset);
        checkForward(spec, q, qOffset, mask, maskOffset, out, outOffset, lse, lseOffset, from, to, scratch);
        scratch.forward.run(spec, q, qOffset, k, kOffset, v, vOffset, mask, maskOffset, out, outOffset,
                lse, lseOffset, from, to);
    }

    /** The checks of the forward's operands but K and V, which come in two element types. */
    private static void checkForward(AttentionSpec spec, float[] q, int qOffset, float[] mask, int maskOffset,
                                     float[] out, int outOffset, float[] lse, int lseOffset, int from, int to,
                                     AttentionScratch scratch) {
        AttentionChecks.queryLike(spec, "q", q, qOffset);
        AttentionChecks.mask(spec, mask, maskOffset);
        AttentionChecks.queryLike(spec, "out", out, outOffset);
        if (lse != null) {
            AttentionChecks.lse(spec, lse, lseOffset);
        }
        AttentionChecks.range(spec, "(batch, head)", from, to, forwardWorkItems(spec));
        AttentionChecks.scratch(scratch);
    }

    /**
     * Whether {@link #forwardOverBf16Cache} takes the spec: fewer queries than half a vector of
     * lanes (decoding), which run one query row at a time.
     */
    public static boolean takesBf16Cache(AttentionSpec spec) {
        return 2 * spec.seqQ() < AttentionMath.L;
    }

    /**
     * {@link #forward} over K and V kept in bfloat16 ({@code [batch, seqK, kvHeads, headDim]}
     * shorts, each the upper half of a float), widened in registers as they are read: the result
     * is that of the widened values, bit for bit. For decoding: the spec must have fewer queries
     * than half a vector of lanes ({@link #takesBf16Cache}).
     */
    public static void forwardOverBf16Cache(AttentionSpec spec, float[] q, int qOffset, short[] k, int kOffset,
                                            short[] v, int vOffset, float[] mask, int maskOffset,
                                            float[] out, int outOffset, float[] lse, int lseOffset,
                                            int from, int to, AttentionScratch scratch) {
        AttentionChecks.spec(spec);
        if (!takesBf16Cache(spec)) {
            throw new IllegalArgumentException("attention: a bf16 KV cache is read by decoding calls, fewer than "
                    + AttentionMath.L / 2 + " queries, not " + spec.seqQ() + " (" + spec + ")");
        }
        AttentionChecks.keyLike(spec, "k", k, kOffset);
        AttentionChecks.keyLike(spec, "v", v, vOffset);
        checkForward(spec, q, qOffset, mask, maskOffset, out, outOffset, lse, lseOffset, from, to, scratch);
        scratch.forward.runOverBf16Cache(spec, q, qOffset, k, kOffset, v, vOffset, mask, maskOffset, out, outOffset,
                lse, lseOffset, from, to);
    }

    /** The whole backward pass on the calling thread, with a scratch of its own. */
    public static void backward(AttentionSpec spec, float[] q, int qOffset, float[] k, int kOffset,
                                float[] v, int vOffset, float[] mask, int maskOffset,
                                float[] out, int outOffset, float[] outGrad, int outGradOffset,
                                float[] lse, int lseOffset, float[] qGrad, int qGradOffset,
                                float[] kGrad, int kGradOffset, float[] vGrad, int vGradOffset) {
        backward(spec, q, qOffset, k, kOffset, v, vOffset, mask, maskOffset, out, outOffset,
                outGrad, outGradOffset, lse, lseOffset, qGrad, qGradOffset, kGrad, kGradOffset,
                vGrad, vGradOffset, 0, backwardWorkItems(spec), new AttentionScratch());
    }

    /**
     * The backward pass for (batch, kv head) pairs [from, to), given the forward's inputs (the
     * same spec and mask), its output {@code out} and {@code lse}, and the output's gradient
     * {@code outGrad}. Overwrites (does not add to) the pairs' slices of {@code qGrad} (layout
     * of Q), {@code kGrad} and {@code vGrad} (layout of K); dK and dV are summed over the query
     * heads that share a kv head.
     */
    public static void backward(AttentionSpec spec, float[] q, int qOffset, float[] k, int kOffset,
                                float[] v, int vOffset, float[] mask, int maskOffset,
                                float[] out, int outOffset, float[] outGrad, int outGradOffset,
                                float[] lse, int lseOffset, float[] qGrad, int qGradOffset,
                                float[] kGrad, int kGradOffset, float[] vGrad, int vGradOffset,
                                int from, int to, AttentionScratch scratch) {
        AttentionChecks.spec(spec);
        AttentionChecks.queryLike(spec, "q", q, qOffset);
        AttentionChecks.keyLike(spec, "k", k, kOffset);
        AttentionChecks.keyLike(spec, "v", v, vOffset);
        AttentionChecks.mask(spec, mask, maskOffset);
        AttentionChecks.queryLike(spec, "out", out, outOffset);
        AttentionChecks.queryLike(spec, "outGrad", outGrad, outGradOffset);
        AttentionChecks.lse(spec, lse, lseOffset);
        AttentionChecks.queryLike(spec, "qGrad", qGrad, qGradOffset);
        AttentionChecks.keyLike(spec, "kGrad", kGrad, kGradOffset);
        AttentionChecks.keyLike(spec, "vGrad", vGrad, vGradOffset);
        AttentionChecks.range(spec, "(batch, kv head)", from, to, backwardWorkItems(spec));
        AttentionChecks.scratch(scratch);
        scratch.backward.run(spec, q, qOffset, k, kOffset, v, vOffset, mask, maskOffset, out, outOffset,
                outGrad, outGradOffset, lse, lseOffset, qGrad, qGradOffset, kGrad, kGradOffset,
                vGrad, vGradOffset, from, to);
    }
}
