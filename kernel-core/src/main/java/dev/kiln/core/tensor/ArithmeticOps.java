package dev.kiln.core.tensor;

import dev.kiln.api.backend.Kernels.BinaryOp;
import dev.kiln.api.tensor.Tensor;
import java.util.List;

/**
 * add, sub, mul (with b the same shape as a, or a row {@code [n]} broadcast over a
 * {@code [..., n]}) and scale. The gradient of a broadcast b sums over the rows.
 */
final class ArithmeticOps {

    private final DeviceContext ctx;

    ArithmeticOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor add(Tensor a, Tensor b) {
        Operands in = check("add", a, b);
        DeviceTensor out = in.apply(BinaryOp.ADD);
        return Graph.record("add", out, List.of(in.a, in.b), node -> grad -> Graph.grads(
                node.needsGrad(0) ? grad.share() : null,
                node.needsGrad(1) ? in.sumRowsIfBroadcast(grad.share()) : null));
    }

    DeviceTensor sub(Tensor a, Tensor b) {
        Operands in = check("sub", a, b);
        DeviceTensor out = in.apply(BinaryOp.SUB);
        return Graph.record("sub", out, List.of(in.a, in.b), node -> grad -> {
            DeviceTensor db = null;
            if (node.needsGrad(1)) {
                DeviceTensor negated = ctx.allocate(grad.shape());
                ctx.kernels.scale(grad.slice(), negated.slice(), grad.numel(), -1f);
                db = in.sumRowsIfBroadcast(negated);
            }
            return Graph.grads(node.needsGrad(0) ? grad.share() : null, db);
        });
    }

    DeviceTensor mul(Tensor a, Tensor b) {
        Operands in = check("mul", a, b);
        DeviceTensor out = in.apply(BinaryOp.MUL);
        return Graph.record("mul", out, List.of(in.a, in.b), node -> {
            // da = grad * b needs b; db = sum(grad * a) needs a.
            DeviceTensor savedA = node.needsGrad(1) ? node.save(in.a) : null;
            DeviceTensor savedB = node.needsGrad(0) ? node.save(in.b) : null;
            return grad -> {
                DeviceTensor da = null;
                DeviceTensor db = null;
                if (savedB != null) {
                    da = ctx.allocate(grad.shape());
                    ctx.kernels.binary(BinaryOp.MUL, grad.slice(), savedB.slice(), da.slice(),
                            in.rows, in.cols, in.broadcast);
                }
                if (savedA != null) {
                    DeviceTensor gradTimesA = ctx.allocate(grad.shape());
                    ctx.kernels.binary(BinaryOp.MUL, grad.slice(), savedA.slice(),
                            gradTimesA.slice(), in.rows, in.cols, false);
                    db = in.sumRowsIfBroadcast(gradTimesA);
                }
                return Graph.grads(da, db);
            };
        });
    }

    DeviceTensor scale(Tensor tx, float alpha) {
        OpCall call = ctx.call("scale");
        DeviceTensor x = call.operand("x", tx);
        call.requireF32(x);
        DeviceTensor out = ctx.allocate(x.shape());
        ctx.kernels.scale(x.slice(), out.slice(), x.numel(), alpha);
        return Graph.record("scale", out, List.of(x), node -> grad -> {
            DeviceTensor dx = ctx.allocate(grad.shape());
            ctx.kernels.scale(grad.slice(), dx.slice(), grad.numel(), alpha);
            return Graph.grads(dx);
        });
    }

    private Operands check(String op, Tensor ta, Tensor tb) {
        OpCall call = ctx.call(op);
        DeviceTensor a = call.operand("a", ta);
        DeviceTensor b = call.operand("b", tb);
        call.requireF32(a, b);
        boolean broadcast = !a.shape().equals(b.shape());
        call.require(!broadcast || (b.shape().rank() == 1 && a.shape().rank() >= 1
                        && b.shape().dim(0) == a.shape().dim(-1)),
                "b must have a's shape, or be [n] with n = a's last dim");
        return new Operands(a, b, broadcast, Dims.rows(a.shape()), Dims.last(a.shape()));
    }

    /** Checked operands, seen as {@code rows × cols}. */
    private final class Operands {
        final DeviceTensor a;
        final DeviceTensor b;
        final boolean broadcast;
        final int rows;
        final int cols;

        Operands(DeviceTensor a, DeviceTensor b, boolean broadcast, int rows, int cols) {
            this.a = a;
            this.b = b;
            this.broadcast = broadcast;
            this.rows = rows;
            this.cols = cols;
        }

        DeviceTensor apply(BinaryOp op) {
            DeviceTensor out = ctx.allocate(a.shape());
            ctx.kernels.binary(op, a.slice(), b.slice(), out.slice(), rows, cols, broadcast);
            return out;
        }

        /**
         * A gradient of a's shape brought to b's shape: itself, or its sum over the rows when b
         * was broadcast. Takes ownership of {@code gradOfAShape}.
         */
        DeviceTensor sumRowsIfBroadcast(DeviceTensor gradOfAShape) {
            if (!broadcast) {
                return gradOfAShape;
            }
            try (gradOfAShape) {
                return ctx.columnSums(gradOfAShape, rows, cols);
            }
        }
    }
}
