package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gradient sink of a tensor the user asked gradients for (a parameter): backward passes add
 * into its F32 gradient until {@link #clearGrad()}.
 */
final class Leaf implements GradTarget {

    private final Device device;
    private final Shape shape;
    private final AtomicInteger references = new AtomicInteger();
    private DeviceTensor grad;

    Leaf(Device device, Shape shape) {
        this.device = device;
        this.shape = shape;
    }

    Shape shape() {
        return shape;
    }

    /** The accumulated gradient, or null before the first backward. */
    DeviceTensor grad() {
        return grad;
    }

    /**
     * Adds {@code contribution} (F32, this leaf's shape) to the gradient and closes it. The first
     * contribution becomes the gradient itself when nothing else shares its memory.
     */
    void accumulate(DeviceTensor contribution) {
        if (grad == null) {
            if (contribution.ownsAllOfItsStorage()) {
                grad = contribution;
            } else {
                grad = DeviceTensor.allocate(device, shape, DType.F32);
                device.copy(contribution.slice(), grad.slice(), grad.numel());
                contribution.close();
            }
            grad.markOwnedByLeaf(true);
        } else {
            Kernels kernels = device.kernels();
            kernels.axpy(1f, contribution.slice(), grad.slice(), grad.numel());
            contribution.close();
        }
    }

    /** Hands the gradient over to the caller (who closes it), leaving none. */
    DeviceTensor takeGrad() {
        DeviceTensor taken = grad;
        grad = null;
        if (taken != null) {
            taken.markOwnedByLeaf(false);
        }
        return taken;
    }

    void clearGrad() {
        DeviceTensor old = takeGrad();
        if (old != null) {
            old.close();
        }
    }

    @Override
    public void retain() {
        references.incrementAndGet();
    }

    @Override
    public boolean dropReference() {
        return references.decrementAndGet() == 0;
    }

    @Override
    public void dispose(Deque<GradTarget> released) {
        clearGrad();
    }
}
