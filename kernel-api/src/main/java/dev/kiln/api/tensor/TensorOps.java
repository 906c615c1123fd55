package dev.kiln.api.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.RopeSpec;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The differentiable operations model code is written in, on one {@link Device}. Every op checks
 * its operands' shapes and dtypes at the call and throws {@link IllegalArgumentException} naming
 * the op, the shapes and the dtypes; every op records the graph for {@link Tensor#backward()}
 * when an operand requires gradients and gradients are not {@linkplain #noGrad() off}.
 *
 * <p>Shapes follow PyTorch's conventions where the op has a PyTorch twin: the last dimension is
 * the innermost; {@code [..., n]} means any number of leading dimensions.
 */
@ProviderType
public interface TensorOps {

    /** The device the tensors of these ops live on. */
    Device device();

    // ---- making tensors -------------------------------------------------------------------

    /** An F32 tensor holding {@code data} (row-major), copied to the device. */
    Tensor tensor(float[] data, Shape shape);

    /** An I32 tensor holding {@code data}: token ids, targets, positions. */
    Tensor tensor(int[] data, Shape shape);

    /** A tensor of zeros. */
    Tensor zeros(Shape shape, DType dtype);

    /**
     * A leaf that requires gradients, holding {@code data}: a parameter. Its gradient accumulates
     * over {@link Tensor#backward()} calls.
     */
    Tensor parameter(float[] data, Shape shape);

    /**
     * A leaf of {@code dtype} (F32, BF16 or F16) that requires gradients, filled with zeros: a
     * parameter whose values come from {@link #copyFrom} (a checkpoint) or an initializer. Its
     * gradient is F32 whatever its dtype. Half-precision parameters are for weights that stay
     * half in memory, such as the linear layers of a BF16 checkpoint: {@link #linear},
     * {@link #matmul} and {@link #embedding} read them, converting on the fly.
     */
    Tensor parameter(Shape shape, DType dtype);

    /**
     * Overwrites the elements of {@code dst} in place with {@code values}: {@code dst}'s element
     * count of little-endian {@code valuesType} elements (F32, BF16, F16 or I32), converted to
     * {@code dst}'s dtype on the device (rounding to nearest even), as torch's {@code copy_}
     * under {@code no_grad}. This is how a checkpoint's tensors reach a model's parameters. It is
     * not recorded in the graph, and the gradient {@code dst} may have accumulated is kept.
     *
     * <p>The segment may be memory-mapped and larger than 2 GiB: it is copied in bounded chunks,
     * so no copy of the whole tensor is made on the heap or the device.
     *
     * @throws IllegalArgumentException naming the op, the shape and the dtypes when the segment
     *     does not hold exactly {@code dst}'s element count of {@code valuesType}, or a dtype
     *     cannot be converted
     */
    void copyFrom(Tensor dst, MemorySegment values, DType valuesType);

    /** {@code x} converted to {@code dtype} (F32, BF16, F16), differentiable. */
    Tensor to(Tensor x, DType dtype);

    // ---- shape ----------------------------------------------------------------------------

    /** The same elements in a new shape of the same element count (no copy). */
    Tensor reshape(Tensor x, Shape shape);

    /** Elements {@code [start, start + length)} along dimension {@code dim}. */
    Tensor narrow(Tensor x, int dim, int start, int length);

    /** Joins tensors along dimension {@code dim}. */
    Tensor concat(List<Tensor> parts, int dim);

    // ---- arithmetic -----------------------------------------------------------------------

    /** {@code a + b}; b has a's shape, or is {@code [n]} broadcast over a {@code [..., n]}. */
    Tensor add(Tensor a, Tensor b);

    /** {@code a - b}, broadcasting as {@link #add}. */
    Tensor sub(Tensor a, Tensor b);

    /** {@code a * b} elementwise, broadcasting as {@link #add}. */
    Tensor mul(Tensor a, Tensor b);

    /** {@code alpha * x}. */
    Tensor scale(Tensor x, float alpha);

    /**
     * Matrix product over the last two dims: {@code a [..., m, k]} times {@code b [..., k, n]}
     * (or its transpose {@code [..., n, k]} with {@code transposeB}); leading dims must match, or
     * b has none (one matrix for all).
     */
    Tensor matmul(Tensor a, Tensor b, boolean transposeB);

    /**
     * {@code x [..., in] · weight [out, in]ᵀ + bias [out]} as torch.nn.functional.linear; bias
     * may be null. The weight may be F32, BF16 or F16.
     */
    Tensor linear(Tensor x, Tensor weight, Tensor bias);

    // ---- activations and normalization ----------------------------------------------------

    Tensor silu(Tensor x);

    /** GELU, exact (erf) or the tanh approximation ({@code gelu_new}, {@code gelu_pytorch_tanh}). */
    Tensor gelu(Tensor x, boolean tanhApproximation);

    Tensor relu(Tensor x);

    /** {@code silu(gate) * up}, fused. */
    Tensor swiglu(Tensor gate, Tensor up);

    /** RMSNorm over the last dim with weight {@code [n]}. */
    Tensor rmsNorm(Tensor x, Tensor weight, float eps);

    /** LayerNorm over the last dim with weight and bias {@code [n]}; bias may be null. */
    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps);

    /** Softmax over the last dim. */
    Tensor softmax(Tensor x);

    /**
     * Inverted dropout. It is the identity when p is 0 and inside {@link #noGrad()} (inference
     * and evaluation); the forward pass of an activation-checkpointed block still drops, with
     * the same elements as its recomputation.
     */
    Tensor dropout(Tensor x, float p, long seed);

    // ---- transformer blocks ---------------------------------------------------------------

    /**
     * Rotary embeddings on {@code x [batch, seq, heads, headDim]} at the given positions
     * (I32 {@code [batch, seq]}).
     */
    Tensor rope(Tensor x, Tensor positions, RopeSpec spec);

    /**
     * Fused attention: q {@code [batch, seqQ, heads, headDim]}, k and v
     * {@code [batch, seqK, kvHeads, headDim]} (grouped-query when kvHeads < heads), optional
     * additive mask {@code [batch, seqQ, seqK]} (null for none; a constant: no gradient flows
     * into it); returns
     * {@code [batch, seqQ, heads, headDim]}.
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, AttentionOptions options);

    /**
     * Rows of {@code table [vocab, dim]} for {@code ids} (I32 {@code [...]}): {@code [..., dim]},
     * F32. The table may be F32, BF16 or F16 (its rows are widened); its gradient is F32.
     */
    Tensor embedding(Tensor table, Tensor ids);

    // ---- KV cache (inference) -------------------------------------------------------------

    /**
     * Writes {@code values [batch, seq, kvHeads, headDim]} into positions
     * {@code [start, start + seq)} of every row of {@code cache [batch, capacity, kvHeads,
     * headDim]}, in place: appending new keys or values to a KV cache. Both F32.
     *
     * <p>Inference only: nothing is recorded in the graph.
     *
     * @throws IllegalStateException when gradients are being recorded and {@code values} requires
     *     them (run decoding inside {@link #noGrad()})
     * @throws IllegalArgumentException naming the shapes when they do not fit
     */
    void writeCache(Tensor cache, Tensor values, int start);

    /**
     * Fused attention of {@code q [batch, seqQ, heads, headDim]} over the first {@code length}
     * positions of the caches {@code kCache} and {@code vCache}
     * {@code [batch, capacity, kvHeads, headDim]} that {@link #writeCache} filled: the same
     * result as {@link #attention} with k and v narrowed to {@code length} positions, without
     * copying them. {@code mask} is additive {@code [batch, seqQ, length]} or null (padding:
     * {@code -inf} at padded key positions); with {@code options.causal()}, query i sits at
     * absolute position {@code options.queryOffset() + i}, usually {@code length - seqQ}, and
     * sees the keys up to there. Returns {@code [batch, seqQ, heads, headDim]}.
     *
     * <p>Inference only: nothing is recorded in the graph.
     *
     * @throws IllegalStateException when gradients are being recorded and q or a cache requires
     *     them
     */
    Tensor cachedAttention(Tensor q, Tensor kCache, Tensor vCache, int length, Tensor mask,
            AttentionOptions options);

    /**
     * Mean cross-entropy of {@code logits [n, vocab]} against {@code targets} (I32 {@code [n]}),
     * over the rows whose target is not {@code ignoreIndex}; a scalar. Fused with log-softmax.
     */
    Tensor crossEntropy(Tensor logits, Tensor targets, int ignoreIndex);

    // ---- reductions -----------------------------------------------------------------------

    /** The sum of all elements: a scalar. */
    Tensor sum(Tensor x);

    /** The mean of all elements: a scalar. */
    Tensor mean(Tensor x);

    // ---- modes and memory -----------------------------------------------------------------

    /** Turns gradient recording off on this thread until closed. */
    GradMode noGrad();

    /** Opens a scope that closes the tensors created inside it; see {@link TensorScope}. */
    TensorScope scope();

    /**
     * Activation checkpointing: runs {@code block} on {@code inputs} without keeping its
     * intermediate tensors, and runs it again during backward to get them. The block must be a
     * deterministic function of its inputs (and of parameters it captures).
     */
    Tensor checkpoint(Function<List<Tensor>, Tensor> block, List<Tensor> inputs);
}
