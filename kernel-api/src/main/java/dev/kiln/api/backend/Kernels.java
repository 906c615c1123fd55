package dev.kiln.api.backend;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The fixed, coarse kernel set every backend runs: enough for decoder-only transformers in
 * training and inference. Operands are {@link Slice}s of this backend's buffers, row-major and
 * contiguous unless a size says otherwise; activations, gradients and optimizer state are F32,
 * GEMM inputs may also be BF16 or F16 (converted on the fly, F32 accumulation), as may a KV
 * cache read by {@link #attention} (BF16), ids are I32.
 *
 * <p>Callers (the engine in kernel-core) check shapes and dtypes before calling, and name the op
 * in their errors; backends may assume consistent arguments but must not corrupt memory when
 * they are not (bounds are checked against the buffers). Kernels that accumulate say so; all
 * others overwrite their outputs. Results must be deterministic for a fixed thread count.
 *
 * <p>Semantics every backend must match (the conformance kit checks them; hal-tck's
 * ReferenceKernels spells each out): a softmax row of all −∞ gives zeros; attention's lse is the
 * natural log-sum-exp of the scaled, masked scores, and a fully masked row gives output 0 and
 * lse −∞; cross-entropy's lse is 0 on ignored rows; gemm with k = 0 gives beta·C; relu'(0) = 0;
 * embedding ids outside the vocabulary are an error; conversion to integers rounds half to even
 * and saturates; the dropout mask of element i of a slice is ReferenceKernels.dropoutKeep(seed, i,
 * p), i counted from the slice's start; layerNorm's bias may be null; {@link Device#copy} handles
 * overlapping ranges.
 *
 * <p>Room to grow: kernels that not every backend has (quantized GEMM, ...) are offered through
 * {@link Device#extension(Class)}, so adding them changes no existing backend.
 */
@ConsumerType
public interface Kernels {

    // ---- linear algebra -------------------------------------------------------------------

    /** {@code C = alpha op(A) op(B) + beta C}; A and B F32, BF16 or F16, C F32. */
    void gemm(Gemm shape, Slice a, Slice b, Slice c);

    // ---- elementwise ----------------------------------------------------------------------

    /**
     * {@code out = a op b} over {@code rows × cols}; with {@code broadcastB}, b holds one row of
     * {@code cols} applied to every row (a bias). {@code out} may alias {@code a}.
     */
    void binary(BinaryOp op, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB);

    /** {@code out = alpha x} over n elements; out may alias x. */
    void scale(Slice x, Slice out, long n, float alpha);

    /** {@code y += alpha x} over n elements (accumulates). */
    void axpy(float alpha, Slice x, Slice y, long n);

    /** Sets n elements to {@code value}. */
    void fill(Slice out, long n, float value);

    /** {@code out = act(x)}. */
    void activation(Activation act, Slice x, Slice out, long n);

    /** {@code dx = act'(x) dOut}. */
    void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n);

    /** {@code out = silu(gate) * up}. */
    void swiglu(Slice gate, Slice up, Slice out, long n);

    /** Gradients of {@link #swiglu} with respect to gate and up. */
    void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n);

    // ---- normalization --------------------------------------------------------------------

    /** RMSNorm of {@code rows} rows of {@code dim}; saves 1/rms per row in {@code rstd}. */
    void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps);

    /** Backward of {@link #rmsNorm}: writes dx, accumulates into dWeight. */
    void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight,
            int rows, int dim);

    /** LayerNorm of {@code rows} rows of {@code dim}; saves mean and 1/std per row. */
    void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd,
            int rows, int dim, float eps);

    /** Backward of {@link #layerNorm}: writes dx, accumulates into dWeight and dBias. */
    void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx,
            Slice dWeight, Slice dBias, int rows, int dim);

    // ---- positions, softmax, attention ----------------------------------------------------

    /**
     * Rotates, in place, x {@code [tokens, heads, headDim]} by the angles of each token's
     * position ({@code positions}, I32 {@code [tokens]}); {@code inverse} rotates back, which is
     * the backward.
     */
    void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse);

    /** Softmax over the last dim of {@code rows × cols}. */
    void softmax(Slice x, Slice out, int rows, int cols);

    /** Backward of {@link #softmax} from its output. */
    void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols);

    /**
     * Fused attention (see {@link AttentionShape} for layouts); {@code mask} may be null. Saves the
     * log-sum-exp of each query row for the backward. Never materializes seqQ × seqK. K and V are
     * both F32 or both BF16 (a KV cache kept in bfloat16: the result is that of their widened
     * values); everything else is F32.
     */
    void attention(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse);

    /** Backward of {@link #attention}, all operands F32: writes dq, dk, dv. */
    void attentionBackward(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out,
            Slice lse, Slice dOut, Slice dq, Slice dk, Slice dv);

    // ---- embedding and loss ---------------------------------------------------------------

    /** Gathers rows of {@code table [vocab, dim]} for {@code count} ids (I32). */
    void embedding(Slice table, Slice ids, Slice out, int count, int dim, int vocab);

    /** Scatter-adds {@code dOut} rows into {@code dTable} by id (accumulates). */
    void embeddingBackward(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab);

    /**
     * Cross-entropy fused with log-softmax, read in vocabulary chunks: per row the loss
     * {@code lse - logit[target]} and the lse; rows whose target is {@code ignoreIndex} get loss 0.
     */
    void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab,
            int ignoreIndex);

    /**
     * {@code dLogits = (softmax(logits) - onehot(target)) * gradScale}, 0 on ignored rows;
     * dLogits may alias logits.
     */
    void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows,
            int vocab, int ignoreIndex, float gradScale);

    // ---- reductions and conversions -------------------------------------------------------

    /** Reduces each of {@code rows} rows of {@code cols} to one value. */
    void reduce(Reduction op, Slice x, Slice out, int rows, int cols);

    /** The sum of squares of n elements, returned to the host (for grad-norm clipping). */
    double sumOfSquares(Slice x, long n);

    /** Converts n elements between the dtypes of the two buffers (round to nearest even). */
    void convert(Slice src, Slice dst, long n);

    // ---- randomness -----------------------------------------------------------------------

    /**
     * Inverted dropout with probability p: the mask of element i depends only on
     * {@code (seed, i)}, so it does not depend on the thread split and the backward regenerates it.
     */
    void dropout(Slice x, Slice out, long n, float p, long seed);

    /** Backward of {@link #dropout} with the same p and seed. */
    void dropoutBackward(Slice dOut, Slice dx, long n, float p, long seed);

    // ---- optimizer ------------------------------------------------------------------------

    /** One decoupled-weight-decay Adam step over n parameters, as torch.optim.AdamW. */
    void adamW(AdamWStep step, Slice param, Slice grad, Slice m, Slice v, long n);

    /** Elementwise binary operations. */
    enum BinaryOp { ADD, SUB, MUL, DIV }

    /** Pointwise activations. */
    enum Activation { SILU, GELU_ERF, GELU_TANH, RELU }

    /** Row reductions. */
    enum Reduction { SUM, MEAN, MAX }
}
