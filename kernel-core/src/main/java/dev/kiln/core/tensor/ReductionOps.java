package dev.kiln.core.tensor;

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
            // dx[i] = g · perElement: one fill. Reading g costs a 4-byte download, far less than
            // broadcasting it on the device (zeros, then an add of n one-element rows, then a scale).
            DeviceTensor dx = ctx.filled(node.inputShape(0), grad.item() * perElement);
            return Graph.grads(dx);
        });
    }
}
