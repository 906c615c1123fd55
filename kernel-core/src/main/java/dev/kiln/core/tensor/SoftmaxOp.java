package dev.kiln.core.tensor;

import dev.kiln.api.tensor.Tensor;
import java.util.List;

/** Softmax over the last dim; the backward needs only the output. */
final class SoftmaxOp {

    private final DeviceContext ctx;

    SoftmaxOp(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor softmax(Tensor tx) {
        OpCall call = ctx.call("softmax");
        DeviceTensor x = call.operand("x", tx);
        call.requireF32(x);
        call.require(x.shape().rank() >= 1, "x needs at least one dim");
        int rows = Dims.rows(x.shape());
        int cols = Dims.last(x.shape());
        DeviceTensor out = ctx.allocate(x.shape());
        ctx.kernels.softmax(x.slice(), out.slice(), rows, cols);
        return Graph.record("softmax", out, List.of(x), node -> {
            DeviceTensor savedOut = node.save(out);
            return grad -> {
                DeviceTensor dx = ctx.allocate(grad.shape());
                ctx.kernels.softmaxBackward(savedOut.slice(), grad.slice(), dx.slice(), rows, cols);
                return Graph.grads(dx);
            };
        });
    }
}
