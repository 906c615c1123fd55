package dev.kiln.api.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.RopeSpec;
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

    /** Rows of {@code table [vocab, dim]} for {@code ids} (I32 {@code [...]}): {@code [..., dim]}. */
    Tensor embedding(Tensor table, Tensor ids);

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
