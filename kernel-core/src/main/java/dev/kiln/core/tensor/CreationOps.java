package dev.kiln.core.tensor;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.List;
import java.util.Set;

/** Tensors from host data, zeros, parameters, and dtype conversion. */
final class CreationOps {

    private static final Set<DType> CONVERTIBLE = Set.of(DType.F32, DType.BF16, DType.F16);

    private final DeviceContext ctx;

    CreationOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor tensor(float[] data, Shape shape) {
        checkData("tensor", data == null ? -1 : data.length, shape);
        DeviceTensor tensor = ctx.allocate(shape, DType.F32);
        HostCopies.upload(ctx.device, data, tensor.slice());
        return tensor;
    }

    DeviceTensor tensor(int[] data, Shape shape) {
        checkData("tensor", data == null ? -1 : data.length, shape);
        DeviceTensor tensor = ctx.allocate(shape, DType.I32);
        HostCopies.upload(ctx.device, data, tensor.slice());
        return tensor;
    }

    DeviceTensor zeros(Shape shape, DType dtype) {
        if (shape == null || dtype == null) {
            throw new IllegalArgumentException("zeros: shape and dtype are required: " + shape + " "
                    + dtype);
        }
        if (dtype == DType.F32) {
            return ctx.zeros(shape);
        }
        DeviceTensor tensor = ctx.allocate(shape, dtype);
        HostCopies.uploadZeros(ctx.device, tensor.slice(), dtype, tensor.numel());
        return tensor;
    }

    /** An F32 leaf whose gradient accumulates. */
    DeviceTensor parameter(float[] data, Shape shape) {
        checkData("parameter", data == null ? -1 : data.length, shape);
        DeviceTensor tensor = tensor(data, shape);
        tensor.attach(new Leaf(ctx.device, shape));
        return tensor;
    }

    /** A zero-filled leaf of F32, BF16 or F16; its gradient is F32. */
    DeviceTensor parameter(Shape shape, DType dtype, HostLoads loads) {
        if (shape == null || dtype == null || !CONVERTIBLE.contains(dtype)) {
            throw new IllegalArgumentException("parameter: needs a shape and a dtype of F32, BF16"
                    + " or F16: " + shape + " " + dtype);
        }
        DeviceTensor tensor = ctx.allocate(shape, dtype);
        loads.zero(tensor);
        tensor.attach(new Leaf(ctx.device, shape));
        return tensor;
    }

    /** {@code x} in {@code dtype}; the gradient passes through unchanged (gradients are F32). */
    DeviceTensor to(Tensor tx, DType dtype) {
        OpCall call = ctx.call("to " + dtype);
        DeviceTensor x = call.operand("x", tx);
        call.require(dtype != null && CONVERTIBLE.contains(dtype), "can convert to F32, BF16 or F16 only");
        call.require(CONVERTIBLE.contains(x.dtype()), "x must be F32, BF16 or F16");
        if (x.dtype() == dtype) {
            return GradState.recording() ? x.alias() : x.share();
        }
        DeviceTensor out = ctx.allocate(x.shape(), dtype);
        ctx.kernels.convert(x.slice(), out.slice(), x.numel());
        return Graph.record("to", out, List.of(x), node -> grad -> Graph.grads(grad.share()));
    }

    private static void checkData(String op, int length, Shape shape) {
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shape is null");
        }
        if (length != shape.numel()) {
            throw new IllegalArgumentException(op + ": " + (length < 0 ? "data is null"
                    : "data has " + length + " values") + " but shape " + shape + " needs "
                    + shape.numel());
        }
    }
}
