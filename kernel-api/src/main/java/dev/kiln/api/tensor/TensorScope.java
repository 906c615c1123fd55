package dev.kiln.api.tensor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Closes, when it closes, every tensor handle created inside it on this thread except those
 * {@linkplain #keep kept}. Scopes nest; a kept tensor moves to the enclosing scope, if any.
 *
 * <pre>{@code
 * try (TensorScope step = ops.scope()) {
 *     Tensor loss = model.loss(batch);
 *     loss.backward();
 *     lossValue = loss.item();
 * }   // activations, logits and the graph are freed here; parameters and grads live on
 * }</pre>
 */
@ProviderType
public interface TensorScope extends AutoCloseable {

    /** Keeps {@code tensor} alive past this scope, and returns it. */
    Tensor keep(Tensor tensor);

    @Override
    void close();
}
