package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.TensorOps;
import java.util.Objects;
import org.osgi.service.component.annotations.Component;

/**
 * The tensor engine: differentiable {@link TensorOps} over any {@link Device}, computed by the
 * device's HAL kernels, with reverse-mode autograd, scopes and activation checkpointing.
 *
 * <p>Gradient mode and scopes are per thread and shared by all devices; the ops of one device
 * hold no state of their own, so {@link #on} may be called as often as convenient.
 */
@Component(service = TensorEngine.class)
public final class TensorEngine {

    /** The ops whose tensors live on {@code device}. */
    public TensorOps on(Device device) {
        return new EngineOps(Objects.requireNonNull(device, "device"));
    }
}
