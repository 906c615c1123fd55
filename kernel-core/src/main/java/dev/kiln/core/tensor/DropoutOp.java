package dev.kiln.core.tensor;

import dev.kiln.api.tensor.Tensor;
import java.util.List;

/**
 * Inverted dropout. The mask is a function of (seed, element index), so the backward
 * regenerates it instead of saving it, and a checkpoint's recomputation drops the same elements.
 */
final class DropoutOp {

    private final DeviceContext ctx;

    DropoutOp(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor dropout(Tensor tx, float p, long seed) {
        OpCall call = ctx.call("dropout");
        DeviceTensor x = call.operand("x", tx);
        call.requireF32(x);
        call.require(p >= 0 && p < 1, "p must be in [0, 1), got " + p);
        if (p == 0 || !GradState.training()) {
            return GradState.recording() ? x.alias() : x.share(); // the identity
        }
        DeviceTensor out = ctx.allocate(x.shape());
        ctx.kernels.dropout(x.slice(), out.slice(), x.numel(), p, seed);
        return Graph.record("dropout", out, List.of(x), node -> grad -> {
            DeviceTensor dx = ctx.allocate(grad.shape());
            ctx.kernels.dropoutBackward(grad.slice(), dx.slice(), grad.numel(), p, seed);
            return Graph.grads(dx);
        });
    }
}
