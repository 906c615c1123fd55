package dev.kiln.core.optim;

import dev.kiln.api.backend.Kernels;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.core.tensor.DeviceTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Gradient clipping as torch.nn.utils.clip_grad_norm_. */
public final class GradClipping {

    /** torch adds this to the norm before dividing, so a zero norm divides safely. */
    private static final double EPSILON = 1e-6;

    private GradClipping() {}

    /**
     * Scales the gradients of {@code parameters} in place so that their global L2 norm (all
     * gradients as one vector) is at most {@code maxNorm}; parameters without a gradient are
     * skipped.
     *
     * @return the global norm before clipping (infinite or NaN when a gradient is)
     */
    public static double clipGlobalNorm(List<? extends Tensor> parameters, double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("clipGlobalNorm: maxNorm must be >= 0: " + maxNorm);
        }
        List<DeviceTensor> grads = new ArrayList<>();
        double sumOfSquares = 0;
        for (Tensor parameter : parameters) {
            Optional<Tensor> grad = DeviceTensor.of(parameter).grad();
            if (grad.isPresent()) {
                DeviceTensor g = DeviceTensor.of(grad.get());
                grads.add(g);
                sumOfSquares += kernels(g).sumOfSquares(g.slice(), g.numel());
            }
        }
        double totalNorm = Math.sqrt(sumOfSquares);
        double coefficient = maxNorm / (totalNorm + EPSILON);
        if (coefficient < 1) { // torch clamps the coefficient at 1: gradients are never scaled up
            for (DeviceTensor g : grads) {
                kernels(g).scale(g.slice(), g.slice(), g.numel(), (float) coefficient);
            }
        }
        return totalNorm;
    }

    private static Kernels kernels(DeviceTensor tensor) {
        return tensor.device().kernels();
    }
}
