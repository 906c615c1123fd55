package dev.kiln.core.tensor;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/** Rotary embeddings. A rotation's inverse is its transpose, so the backward rotates back. */
final class RopeOp {

    private final DeviceContext ctx;

    RopeOp(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor rope(Tensor tx, Tensor tPositions, RopeSpec spec) {
        OpCall call = ctx.call("rope");
        DeviceTensor x = call.operand("x", tx);
        DeviceTensor positions = call.operand("positions", tPositions);
        call.require(spec != null, "spec is null");
        call.requireF32(x);
        call.requireDType(positions, DType.I32);
        call.requireRank(x, 4);
        Shape shape = x.shape();
        call.require(Arrays.equals(positions.shape().toArray(), new int[] {shape.dim(0), shape.dim(1)}),
                "positions must be [batch, seq] of x [batch, seq, heads, headDim]");
        call.require(spec.headDim() == shape.dim(3),
                "spec.headDim " + spec.headDim() + " differs from x's headDim");
        int tokens = Dims.product(shape, 0, 2);
        int heads = shape.dim(2);
        DeviceTensor out = ctx.copyOf(x);
        ctx.kernels.rope(spec, out.slice(), positions.slice(), tokens, heads, false);
        return Graph.record("rope", out, List.of(x), node -> {
            DeviceTensor savedPositions = node.save(positions);
            return grad -> {
                DeviceTensor dx = ctx.copyOf(grad);
                ctx.kernels.rope(spec, dx.slice(), savedPositions.slice(), tokens, heads, true);
                return Graph.grads(dx);
            };
        });
    }
}
