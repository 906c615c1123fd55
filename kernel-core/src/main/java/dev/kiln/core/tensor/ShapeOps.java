package dev.kiln.core.tensor;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * reshape, narrow and concat. Tensors are always contiguous: reshape and a narrow that keeps
 * the data in one run are views; a narrow on an inner dim and concat copy.
 */
final class ShapeOps {

    private final DeviceContext ctx;

    ShapeOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor reshape(Tensor tx, Shape shape) {
        OpCall call = ctx.call("reshape");
        DeviceTensor x = call.operand("x", tx);
        call.require(shape != null && shape.numel() == x.numel(),
                "cannot reshape to " + shape + ": the element count must stay " + x.numel());
        DeviceTensor out = x.view(shape, 0);
        return Graph.record("reshape", out, List.of(x),
                node -> grad -> Graph.grads(grad.view(node.inputShape(0), 0)));
    }

    DeviceTensor narrow(Tensor tx, int dimension, int start, int length) {
        OpCall call = ctx.call("narrow");
        DeviceTensor x = call.operand("x", tx);
        Shape shape = x.shape();
        int dim = dimension < 0 ? dimension + shape.rank() : dimension;
        call.require(dim >= 0 && dim < shape.rank(),
                "dim " + dimension + " does not exist in rank " + shape.rank());
        call.require(start >= 0 && length >= 0 && (long) start + length <= shape.dim(dim),
                "[" + start + ", " + start + " + " + length + ") is outside dim " + dim + " of size "
                        + shape.dim(dim));
        Strips strips = new Strips(shape, dim);
        Shape outShape = Dims.with(shape, dim, length);
        DeviceTensor out;
        if (strips.outer == 1) {
            out = x.view(outShape, (long) start * strips.inner); // one contiguous run
        } else {
            out = ctx.allocate(outShape, x.dtype());
            strips.copy(ctx, x, start, shape.dim(dim), out, 0, length, length);
        }
        return Graph.record("narrow", out, List.of(x), node -> grad -> {
            DeviceTensor dx = ctx.zeros(shape);
            strips.copy(ctx, grad, 0, length, dx, start, shape.dim(dim), length);
            return Graph.grads(dx);
        });
    }

    DeviceTensor concat(List<Tensor> tensors, int dimension) {
        OpCall call = ctx.call("concat");
        call.require(tensors != null && !tensors.isEmpty(), "needs at least one tensor");
        List<DeviceTensor> parts = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            parts.add(call.operand("parts[" + i + "]", tensors.get(i)));
        }
        Shape first = parts.getFirst().shape();
        int dim = dimension < 0 ? dimension + first.rank() : dimension;
        call.require(dim >= 0 && dim < first.rank(),
                "dim " + dimension + " does not exist in rank " + first.rank());
        long total = 0;
        for (DeviceTensor part : parts) {
            call.require(part.dtype() == parts.getFirst().dtype(), "the parts' dtypes differ");
            call.require(sameExceptAt(part.shape(), first, dim),
                    "the parts' shapes differ outside dim " + dim);
            total += part.shape().dim(dim);
        }
        int totalSize = Dims.toInt(total);
        Shape outShape = Dims.with(first, dim, totalSize);
        DeviceTensor out = ctx.allocate(outShape, parts.getFirst().dtype());
        int[] starts = new int[parts.size()];
        int at = 0;
        for (int i = 0; i < parts.size(); i++) {
            DeviceTensor part = parts.get(i);
            int size = part.shape().dim(dim);
            starts[i] = at;
            new Strips(part.shape(), dim).copy(ctx, part, 0, size, out, at, totalSize, size);
            at += size;
        }
        return Graph.record("concat", out, parts, node -> grad -> {
            DeviceTensor[] grads = new DeviceTensor[parts.size()];
            for (int i = 0; i < grads.length; i++) {
                if (node.needsGrad(i)) {
                    Shape partShape = node.inputShape(i);
                    Strips strips = new Strips(partShape, dim);
                    int size = partShape.dim(dim);
                    if (strips.outer == 1) {
                        grads[i] = grad.view(partShape, (long) starts[i] * strips.inner);
                    } else {
                        grads[i] = ctx.allocate(partShape);
                        strips.copy(ctx, grad, starts[i], totalSize, grads[i], 0, size, size);
                    }
                }
            }
            return grads;
        });
    }

    private static boolean sameExceptAt(Shape a, Shape b, int dim) {
        if (a.rank() != b.rank()) {
            return false;
        }
        for (int i = 0; i < a.rank(); i++) {
            if (i != dim && a.dim(i) != b.dim(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A tensor seen around dim d as {@code outer} strips, each {@code size(d) × inner} elements
     * long: copying along d moves one run per strip.
     */
    private static final class Strips {
        final int outer;
        final int inner;

        Strips(Shape shape, int dim) {
            outer = Dims.product(shape, 0, dim);
            inner = Dims.product(shape, dim + 1, shape.rank());
        }

        /**
         * Copies {@code count} positions along the dim, per strip, from position
         * {@code srcStart} of a source whose dim has {@code srcSize} positions to
         * {@code dstStart} of a destination whose dim has {@code dstSize}.
         */
        void copy(DeviceContext ctx, DeviceTensor src, int srcStart, int srcSize,
                DeviceTensor dst, int dstStart, int dstSize, int count) {
            long run = (long) count * inner;
            if (run == 0) {
                return;
            }
            for (long strip = 0; strip < outer; strip++) {
                ctx.device.copy(src.slice((strip * srcSize + srcStart) * inner),
                        dst.slice((strip * dstSize + dstStart) * inner), run);
            }
        }
    }
}
