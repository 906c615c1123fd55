package dev.kiln.core.tensor;

import dev.kiln.api.backend.Kernels.BinaryOp;
import dev.kiln.api.backend.Kernels.Reduction;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.List;

/** sum and mean of all elements; the backward spreads the scalar gradient over x's shape. */
final class ReductionOps {

    private final DeviceContext ctx;

    ReductionOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor sum(Tensor tx) {
        return reduce("sum", Reduction.SUM, tx);
    }

    DeviceTensor mean(Tensor tx) {
        return reduce("mean", Reduction.MEAN, tx);
    }

    private DeviceTensor reduce(String op, Reduction reduction, Tensor tx) {
        OpCall call = ctx.call(op);
        DeviceTensor x = call.operand("x", tx);
        call.requireF32(x);
        call.require(x.numel() > 0, "x is empty");
        int n = Dims.toInt(x.numel());
        DeviceTensor out = ctx.allocate(Shape.scalar());
        ctx.kernels.reduce(reduction, x.slice(), out.slice(), 1, n);
        float perElement = reduction == Reduction.MEAN ? 1f / n : 1f;
        return Graph.record(op, out, List.of(x), node -> grad -> {
            // dx[i] = g · perElement: zeros plus g broadcast as a one-column row, staying on device.
            DeviceTensor dx = ctx.zeros(node.inputShape(0));
            ctx.kernels.binary(BinaryOp.ADD, dx.slice(), grad.slice(), dx.slice(), n, 1, true);
            if (perElement != 1f) {
                ctx.kernels.scale(dx.slice(), dx.slice(), n, perElement);
            }
            return Graph.grads(dx);
        });
    }
}
