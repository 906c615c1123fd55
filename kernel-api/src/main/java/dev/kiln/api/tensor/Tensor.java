package dev.kiln.api.tensor;

import dev.kiln.api.backend.Device;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A handle to an n-dimensional array on a {@link Device}: its shape and element type, and a
 * reference to device memory the handle keeps alive until it is closed. Data reaches the host
 * only through the explicit copies {@link #toFloatArray()} and {@link #toIntArray()}.
 *
 * <p>Tensors made by {@link TensorOps} while gradients are enabled remember how they were
 * computed, so {@link #backward()} on a scalar loss fills the {@link #grad()} of every tensor
 * that {@link #requiresGrad()} and contributed to it.
 *
 * <p>Memory: closing a handle releases its reference; the memory goes back to the device when
 * the last reference (handles, and the graph's saved tensors) is gone. A {@link TensorScope}
 * closes every handle made inside it, which is how a training step frees its activations.
 */
@ProviderType
public interface Tensor extends AutoCloseable {

    Shape shape();

    DType dtype();

    /** The device holding the data. */
    Device device();

    /** Whether gradients are computed for this tensor (parameters, and results computed from them). */
    boolean requiresGrad();

    /**
     * The gradient accumulated by {@link #backward()} calls, for a tensor that requires it. The
     * returned handle belongs to this tensor: closing it does nothing, and it stays valid until
     * {@link #zeroGrad()} or the next accumulation replaces it.
     */
    Optional<Tensor> grad();

    /**
     * Frees the accumulated gradient (as PyTorch's {@code set_to_none}); the next
     * {@link #backward()} starts a new accumulation.
     */
    void zeroGrad();

    /**
     * Back-propagates from this tensor, which must be a scalar: adds d(this)/d(t) to the
     * {@link #grad()} of every tensor t that requires gradients and contributed to it, then frees
     * the graph. Gradients accumulate over calls until {@link #zeroGrad()}.
     */
    void backward();

    /** The same data, cut from the graph: no gradient flows through the result. */
    Tensor detach();

    /**
     * Turns gradients on or off for this leaf, as PyTorch's {@code requires_grad_}: a frozen
     * parameter (a base model's weights under LoRA) gets no gradient, and ops whose operands are
     * all frozen record no graph, so backward stops where the trainable parameters begin.
     * Turning gradients off discards the gradient accumulated so far; turning them on starts a
     * new accumulation. Other handles on the same data (views made before the call) keep the
     * state they had.
     *
     * @throws IllegalStateException for a tensor computed by an op that recorded the graph
     *     (only leaves change; use {@link #detach()} to cut a computed tensor from the graph)
     */
    void setRequiresGrad(boolean requiresGrad);

    /** A host copy of the elements as F32, row-major. */
    float[] toFloatArray();

    /** A host copy of the elements of an integer tensor, row-major. */
    int[] toIntArray();

    /** The value of a one-element tensor. */
    float item();

    /** Releases this handle. Idempotent. */
    @Override
    void close();
}
