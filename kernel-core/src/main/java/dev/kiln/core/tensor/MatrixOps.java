package dev.kiln.core.tensor;

import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels.BinaryOp;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * matmul and linear on the GEMM kernel. For {@code C = A·op(B)} the backward is two more GEMMs
 * with transposes: {@code dA = dC·op(B)ᵀ} and {@code dB = Aᵀ·dC} (or {@code dCᵀ·A} for a
 * transposed B). A B shared by a batch of A's is one GEMM over all rows, which also sums its
 * gradient over the batch.
 */
final class MatrixOps {

    private final DeviceContext ctx;

    MatrixOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor matmul(Tensor ta, Tensor tb, boolean transposeB) {
        OpCall call = ctx.call(transposeB ? "matmul (transposeB)" : "matmul");
        DeviceTensor a = call.operand("a", ta);
        DeviceTensor b = call.operand("b", tb);
        call.requireGemmFloat(a, b);
        Shape as = a.shape();
        Shape bs = b.shape();
        call.require(as.rank() >= 2 && bs.rank() >= 2, "a and b need at least 2 dims");
        int m = as.dim(-2);
        int k = as.dim(-1);
        int n = transposeB ? bs.dim(-2) : bs.dim(-1);
        call.require((transposeB ? bs.dim(-1) : bs.dim(-2)) == k,
                "the inner dims differ: a has " + k + " columns, b " + (transposeB ? "columns" : "rows")
                        + " " + (transposeB ? bs.dim(-1) : bs.dim(-2)));
        boolean sharedB = bs.rank() == 2;
        call.require(sharedB || Arrays.equals(leading(as), leading(bs)),
                "the leading dims of a and b differ (b may also have none)");
        Product product = new Product(m, n, k, Dims.product(as, 0, as.rank() - 2), sharedB,
                transposeB);
        int[] outDims = as.toArray();
        outDims[outDims.length - 1] = n;
        DeviceTensor out = ctx.allocate(Shape.of(outDims));
        product.forward(ctx, a, b, out);
        return Graph.record("matmul", out, List.of(a, b), node -> {
            DeviceTensor savedA = node.needsGrad(1) ? node.save(a) : null;
            DeviceTensor savedB = node.needsGrad(0) ? node.save(b) : null;
            return grad -> Graph.grads(
                    savedB == null ? null : product.gradA(ctx, grad, savedB, node.inputShape(0)),
                    savedA == null ? null : product.gradB(ctx, grad, savedA, node.inputShape(1)));
        });
    }

    /** {@code x · weightᵀ + bias}: matmul with a shared, transposed B, then the bias row. */
    DeviceTensor linear(Tensor tx, Tensor tWeight, Tensor tBias) {
        OpCall call = ctx.call("linear");
        DeviceTensor x = call.operand("x", tx);
        DeviceTensor weight = call.operand("weight", tWeight);
        DeviceTensor bias = call.optional("bias", tBias);
        call.requireGemmFloat(x, weight);
        call.requireF32(bias);
        call.require(x.shape().rank() >= 1 && weight.shape().rank() == 2
                        && weight.shape().dim(1) == Dims.last(x.shape()),
                "weight must be [out, in] with in = x's last dim");
        int outFeatures = weight.shape().dim(0);
        call.require(bias == null || (bias.shape().rank() == 1 && bias.shape().dim(0) == outFeatures),
                "bias must be [out] with out = weight's first dim");
        int rows = Dims.rows(x.shape());
        Product product = new Product(rows, outFeatures, Dims.last(x.shape()), 1, true, true);
        DeviceTensor out = ctx.allocate(Dims.withLast(x.shape(), outFeatures));
        product.forward(ctx, x, weight, out);
        if (bias != null) {
            ctx.kernels.binary(BinaryOp.ADD, out.slice(), bias.slice(), out.slice(), rows,
                    outFeatures, true);
        }
        return Graph.record("linear", out, Arrays.asList(x, weight, bias), node -> {
            DeviceTensor savedX = node.needsGrad(1) ? node.save(x) : null;
            DeviceTensor savedWeight = node.needsGrad(0) ? node.save(weight) : null;
            return grad -> Graph.grads(
                    savedWeight == null ? null
                            : product.gradA(ctx, grad, savedWeight, node.inputShape(0)),
                    savedX == null ? null : product.gradB(ctx, grad, savedX, node.inputShape(1)),
                    node.needsGrad(2) ? ctx.columnSums(grad, rows, outFeatures) : null);
        });
    }

    private static int[] leading(Shape shape) {
        return Arrays.copyOf(shape.toArray(), shape.rank() - 2);
    }

    /**
     * {@code C[batch, m, n] = A[batch, m, k] · op(B)}, op(B) being {@code B [k, n]} or, with
     * transposeB, {@code B [n, k]} transposed; B is one matrix for the whole batch when shared.
     */
    private record Product(int m, int n, int k, int batch, boolean sharedB, boolean transposeB) {

        void forward(DeviceContext ctx, DeviceTensor a, DeviceTensor b, DeviceTensor c) {
            ctx.kernels.gemm(gemm(false, transposeB, m, n, k), a.slice(), b.slice(), c.slice());
        }

        /** dA = dC · op(B)ᵀ: with B [k, n] that is dC·Bᵀ; with B [n, k], dC·B. */
        DeviceTensor gradA(DeviceContext ctx, DeviceTensor dC, DeviceTensor b, Shape aShape) {
            DeviceTensor dA = ctx.allocate(aShape);
            ctx.kernels.gemm(gemm(false, !transposeB, m, k, n), dC.slice(), b.slice(), dA.slice());
            return dA;
        }

        /** dB = Aᵀ · dC for B [k, n]; dB = dCᵀ · A for B [n, k]. */
        DeviceTensor gradB(DeviceContext ctx, DeviceTensor dC, DeviceTensor a, Shape bShape) {
            DeviceTensor dB = ctx.allocate(bShape);
            if (transposeB) {
                ctx.kernels.gemm(gemm(true, false, n, k, m), dC.slice(), a.slice(), dB.slice());
            } else {
                ctx.kernels.gemm(gemm(true, false, k, n, m), a.slice(), dC.slice(), dB.slice());
            }
            return dB;
        }

        /**
         * One product per batch entry. With a shared B the batch folds into the rows of A and C
         * (rows = batch·rows) when the batch runs along A's rows; for dB = Aᵀ·dC it folds into
         * the summed dim instead, which adds up the batch's contributions.
         */
        private Gemm gemm(boolean transA, boolean transB, int rows, int cols, int inner) {
            if (batch == 1) {
                return Gemm.of(transA, transB, rows, cols, inner);
            }
            if (!sharedB) {
                return Gemm.batched(transA, transB, rows, cols, inner, batch);
            }
            return transA
                    ? Gemm.of(true, transB, rows, cols, inner * batch)
                    : Gemm.of(false, transB, rows * batch, cols, inner);
        }
    }
}
