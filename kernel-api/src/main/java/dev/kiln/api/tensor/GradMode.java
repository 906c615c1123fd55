package dev.kiln.api.tensor;

import org.osgi.annotation.versioning.ProviderType;

/**
 * While open, ops on this thread record no graph: inference, evaluation, optimizer updates.
 *
 * <pre>{@code
 * try (GradMode off = ops.noGrad()) { logits = model.forward(ids); }
 * }</pre>
 */
@ProviderType
public interface GradMode extends AutoCloseable {

    /** Restores the previous mode. */
    @Override
    void close();
}
