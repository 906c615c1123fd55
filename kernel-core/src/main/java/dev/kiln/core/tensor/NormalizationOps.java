package dev.kiln.core.tensor;

import static dev.kiln.core.tensor.ActivationOps.keepIf;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/** RMSNorm and LayerNorm over the last dim; the forward saves per-row statistics for backward. */
final class NormalizationOps {

    private final DeviceContext ctx;

    NormalizationOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor rmsNorm(Tensor tx, Tensor tWeight, float eps) {
        OpCall call = ctx.call("rmsNorm");
        DeviceTensor x = call.operand("x", tx);
        DeviceTensor weight = call.operand("weight", tWeight);
        call.requireF32(x, weight);
        checkRowParameter(call, x, weight, "weight");
        int rows = Dims.rows(x.shape());
        int dim = Dims.last(x.shape());
        DeviceTensor out = ctx.allocate(x.shape());
        DeviceTensor rstd = ctx.allocate(Shape.of(rows));
        ctx.kernels.rmsNorm(x.slice(), weight.slice(), out.slice(), rstd.slice(), rows, dim, eps);
        return Graph.record("rmsNorm", out, List.of(x, weight), List.of(rstd), node -> {
            DeviceTensor savedX = node.save(x);
            DeviceTensor savedWeight = node.save(weight);
            return grad -> {
                DeviceTensor dx = ctx.allocate(grad.shape());
                DeviceTensor dWeight = ctx.zeros(node.inputShape(1)); // the kernel accumulates
                ctx.kernels.rmsNormBackward(savedX.slice(), savedWeight.slice(), rstd.slice(),
                        grad.slice(), dx.slice(), dWeight.slice(), rows, dim);
                return Graph.grads(keepIf(node.needsGrad(0), dx), keepIf(node.needsGrad(1), dWeight));
            };
        });
    }

    DeviceTensor layerNorm(Tensor tx, Tensor tWeight, Tensor tBias, float eps) {
        OpCall call = ctx.call("layerNorm");
        DeviceTensor x = call.operand("x", tx);
        DeviceTensor weight = call.operand("weight", tWeight);
        DeviceTensor bias = call.optional("bias", tBias);
        call.requireF32(x, weight, bias);
        checkRowParameter(call, x, weight, "weight");
        if (bias != null) {
            checkRowParameter(call, x, bias, "bias");
        }
        int rows = Dims.rows(x.shape());
        int dim = Dims.last(x.shape());
        Shape rowShape = Shape.of(dim);
        DeviceTensor out = ctx.allocate(x.shape());
        DeviceTensor mean = ctx.allocate(Shape.of(rows));
        DeviceTensor rstd = ctx.allocate(Shape.of(rows));
        try (DeviceTensor zeroBias = bias == null ? ctx.zeros(rowShape) : null) {
            ctx.kernels.layerNorm(x.slice(), weight.slice(),
                    (bias == null ? zeroBias : bias).slice(), out.slice(), mean.slice(),
                    rstd.slice(), rows, dim, eps);
        }
        return Graph.record("layerNorm", out, Arrays.asList(x, weight, bias), List.of(mean, rstd),
                node -> {
                    DeviceTensor savedX = node.save(x);
                    DeviceTensor savedWeight = node.save(weight);
                    return grad -> {
                        DeviceTensor dx = ctx.allocate(grad.shape());
                        DeviceTensor dWeight = ctx.zeros(rowShape); // the kernel accumulates
                        DeviceTensor dBias = ctx.zeros(rowShape);
                        ctx.kernels.layerNormBackward(savedX.slice(), savedWeight.slice(),
                                mean.slice(), rstd.slice(), grad.slice(), dx.slice(),
                                dWeight.slice(), dBias.slice(), rows, dim);
                        return Graph.grads(keepIf(node.needsGrad(0), dx),
                                keepIf(node.needsGrad(1), dWeight), keepIf(node.needsGrad(2), dBias));
                    };
                });
    }

    private static void checkRowParameter(OpCall call, DeviceTensor x, DeviceTensor parameter,
            String name) {
        call.require(x.shape().rank() >= 1, "x needs at least one dim");
        call.require(parameter.shape().rank() == 1
                        && parameter.shape().dim(0) == x.shape().dim(-1),
                name + " must be [n] with n = x's last dim");
    }
}
